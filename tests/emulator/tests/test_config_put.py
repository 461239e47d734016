"""`studiogate config put`: the operator's way to give a stack its configuration. It checks the file
as the stack's functions will load it, then stores it with the real AWS CLI (the .venv's awscli),
here against the emulator, which authorizes ssm:PutParameter like any other call. The functions,
each with its own role, can then read what was stored (the Rust deployment test loads it)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

from studiogate_emulator.mint import cli

from conftest import OPERATOR, REPO

CONFIG = "/studiogate/studiogate/config"
EXAMPLE = REPO / "examples" / "deployed" / "studiogate.toml"
AWS_CLI = pathlib.Path(sys.executable).parent / "aws"


def put(emulator, tmp_path, *args: str, creds: dict = OPERATOR) -> subprocess.CompletedProcess:
    """The stack's IdP metadata as the operator has it, then `studiogate config put ARGS`."""
    metadata = tmp_path / "idp-metadata.xml"
    stored = emulator.client("ssm").get_parameter(Name="/studiogate/studiogate/idp-metadata")
    metadata.write_text(stored["Parameter"]["Value"], encoding="utf-8")
    env = {**os.environ, "AWS_ENDPOINT_URL": emulator.endpoint, "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    env.pop("AWS_SESSION_TOKEN", None)
    if creds.get("SessionToken"):
        env["AWS_SESSION_TOKEN"] = creds["SessionToken"]
    return subprocess.run([str(cli()), "config", "put", *args, "--idp-metadata", str(metadata),
                           "--aws-cli", str(AWS_CLI)], env=env, capture_output=True, text=True, timeout=120)


def puts(emulator, since: int) -> list[dict]:
    """The PutParameter calls after the first `since` calls (seeding stores parameters too)."""
    return [c for c in emulator.control("GET", "/calls")[since:] if c["operation"] == "PutParameter"]


def calls_so_far(emulator) -> int:
    return len(emulator.control("GET", "/calls"))


def test_the_operator_stores_a_checked_configuration_that_the_functions_may_read(emulator, world, tmp_path):
    before = calls_so_far(emulator)
    result = put(emulator, tmp_path, str(EXAMPLE), "--stack-name", "studiogate")
    assert result.returncode == 0, result.stderr
    assert "valid as the stack's functions will load it (1 target(s))" in result.stdout
    assert f"stored in {CONFIG} (version 2)" in result.stdout, result.stdout
    (call,) = puts(emulator, before)
    assert (call["signer"]["arn"], call["authorization"]["decision"]) == (world["operator"]["arn"], "Allowed")
    assert emulator.client("ssm").get_parameter(Name=CONFIG)["Parameter"]["Value"] == EXAMPLE.read_text()
    # Each function reads it with its own role: saml-validator directly, presign through the VPC.
    validator, presign = world["function_credentials"]["saml-validator"], world["function_credentials"]["presign"]
    assert emulator.client("ssm", validator).get_parameter(Name=CONFIG)["Parameter"]["Value"].startswith("# A deployment's")
    through_the_vpc = emulator.client("ssm", presign, url=world["endpoints"]["ssm"])
    assert through_the_vpc.get_parameter(Name=CONFIG)["Parameter"]["Version"] == 2


def test_a_configuration_the_functions_would_refuse_is_not_stored(emulator, world, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[idp]\nmetadata_file = "idp.xml"\n' + EXAMPLE.read_text(), encoding="utf-8")
    before = calls_so_far(emulator)
    result = put(emulator, tmp_path, str(bad), "--stack-name", "studiogate")
    assert result.returncode == 2
    assert "config field `idp.metadata_file`: a stored configuration cannot name files" in result.stderr
    assert not puts(emulator, before), "nothing reached SSM"


def test_a_principal_without_put_parameter_stores_nothing_and_is_told_what_it_needs(emulator, world, tmp_path):
    validator = world["function_credentials"]["saml-validator"]
    creds = {"AccessKeyId": validator["access_key_id"], "SecretAccessKey": validator["secret_access_key"],
             "SessionToken": validator["session_token"]}
    before = calls_so_far(emulator)
    result = put(emulator, tmp_path, str(EXAMPLE), "--parameter", CONFIG, creds=creds)
    assert result.returncode == 1
    assert "AccessDenied" in result.stderr and f"ssm:PutParameter on {CONFIG}" in result.stderr
    (call,) = puts(emulator, before)
    assert call["authorization"]["decision"] == "ImplicitlyDenied"
    assert emulator.client("ssm").get_parameter(Name=CONFIG)["Parameter"]["Version"] == 1


def test_dry_run_checks_and_stores_nothing(emulator, world, tmp_path):
    before = calls_so_far(emulator)
    result = put(emulator, tmp_path, str(EXAMPLE), "--stack-name", "studiogate", "--dry-run")
    assert result.returncode == 0 and f"it would go to {CONFIG}" in result.stdout
    assert not puts(emulator, before)
