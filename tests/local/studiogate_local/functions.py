"""What the local stack runs the two functions with: their prebuilt binaries, the broker
configuration, and each function's own Lambda environment (studiogate_lambda's spec).

Each function runs as its own role, with the credentials the emulator issued for it at seed time
(`function_credentials`), and reaches AWS the way it does when deployed:

- saml-validator is outside any VPC: every service, Lambda included, through the emulator's main
  ("internet") listener. Its Invoke of presign is authorized there (`lambda:InvokeFunction`, the
  stack's policies) and then forwarded to the Lambda service (`--lambda-runtime`).
- presign is in the VPC: STS, SSM, KMS and the SageMaker API through their interface endpoints, and
  DynamoDB (where it spends each request's seal) through the gateway endpoint (one emulator listener
  each, which stamp `aws:SourceVpce`); EMR and the console federation endpoint,
  which have no endpoint in the stack, through the main listener (the NAT).

Timeout and memory are read from template.yaml, as deployed.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
NAMES = ("saml-validator", "presign")
# What the committed configuration names; the stack swaps in the real addresses.
CONFIG_EMULATOR = "http://127.0.0.1:4566"
CONFIG_FUNCTIONS = "http://127.0.0.1:9000"
CONFIG_IDP = "http://127.0.0.1:8000"
SIGNIN_RECIPIENT = "https://signin.aws.amazon.com/saml"
WORLD = ROOT / "tests/emulator/worlds/default.json"
_SAGEMAKER_ENDPOINT = re.compile(r'^sagemaker_endpoint_url = "http://127\.0\.0\.1:4566"$', re.M)
_SOURCES = ("functions", "crates", "Cargo.toml", "Cargo.lock")


class StackError(RuntimeError):
    """Something the newcomer can fix: the message says what."""


def binaries_dir(explicit: str | None = None) -> pathlib.Path:
    """Where `cargo build --workspace --bins` put the binaries: the target directory's debug folder
    ($CARGO_TARGET_DIR, else what cargo says: a build.target-dir in a cargo config counts too)."""
    if explicit:
        return pathlib.Path(explicit).resolve()
    target = os.environ.get("CARGO_TARGET_DIR")
    if not target:
        try:
            metadata = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT,
                                      capture_output=True, text=True, check=True, timeout=120)
            target = json.loads(metadata.stdout)["target_directory"]
        except (OSError, subprocess.SubprocessError, ValueError, KeyError):
            target = str(ROOT / "target")
    return pathlib.Path(target).resolve() / "debug"


def check_binaries(directory: pathlib.Path) -> list[str]:
    """The function binaries must exist; returns warnings for binaries older than the sources."""
    missing = [name for name in NAMES if not (directory / name).is_file()]
    if missing:
        raise StackError(f"{', '.join(missing)} not built in {directory}: run `cargo build --workspace --bins` "
                         "(./scripts/run-local.sh does), or name the folder with --binaries")
    newest = max((p.stat().st_mtime, p) for top in _SOURCES for p in _walk(ROOT / top))
    warnings = []
    for name in NAMES:
        with open(directory / name, "rb") as binary:
            if binary.read(4) != b"\x7fELF":
                continue   # a script (the performance harness's Python reference): built from nothing here
        if (directory / name).stat().st_mtime < newest[0]:
            warnings.append(f"{directory / name} is older than {newest[1].relative_to(ROOT)}: "
                            "`cargo build --workspace --bins` rebuilds it")
    return warnings


def _walk(path: pathlib.Path):
    if path.is_file():
        yield path
    elif path.is_dir():
        yield from (p for p in path.rglob("*") if p.suffix in (".rs", ".toml") and "target" not in p.parts)


def broker_config(template: pathlib.Path, emulator: str, functions: str, sagemaker_endpoint: str,
                  extra_recipient: str | None = None, idp: str = CONFIG_IDP) -> str:
    """The committed configuration with the stack's real addresses and absolute key paths.
    presign presigns through the SageMaker API interface endpoint, as deployed."""
    text = template.read_text(encoding="utf-8")
    text, found = _SAGEMAKER_ENDPOINT.subn(lambda _m: f'sagemaker_endpoint_url = "{sagemaker_endpoint}"', text)
    if found != 1:
        raise StackError(f'{template} should set sagemaker_endpoint_url = "{CONFIG_EMULATOR}" under [presign] '
                         "(the stack points it at the SageMaker API endpoint)")
    # Whole addresses only (not followed by a digit): the endpoint's listener may have a free port
    # such as 45661, which a plain replace of 127.0.0.1:4566 would turn into another port.
    for placeholder, actual in ((CONFIG_EMULATOR, emulator), (CONFIG_FUNCTIONS, functions), (CONFIG_IDP, idp)):
        text = re.sub(re.escape(placeholder) + r"(?!\d)", lambda _m, a=actual: a, text)
    # Relative paths in the template are relative to its folder; the copy lives elsewhere.
    text = text.replace('"../../', f'"{ROOT}/')
    if extra_recipient:
        # Tests only: a validator that accepts a Recipient the trust policy refuses (a misconfiguration).
        acs = f"{functions}/lambda-url/saml-validator/saml/acs"
        text = text.replace("[sp]\n", f"[sp]\nrecipients = {json.dumps([acs, extra_recipient])}\n", 1)
    return text


def local_world(acs_url: str) -> dict:
    """The emulator's default world, its stack deployed at `acs_url` (the trust policy's SAML:aud)."""
    description = json.loads(WORLD.read_text(encoding="utf-8"))
    description["stack"] = {**description["stack"], "acs_url": acs_url}
    # Relative paths in the world are relative to its folder; the copy lives elsewhere.
    for provider in description.get("saml_providers", []):
        for key in ("metadata_file", "certificate_file"):
            if key in provider and not pathlib.Path(provider[key]).is_absolute():
                provider[key] = str((WORLD.parent / provider[key]).resolve())
    return description


class _IgnoreTags(yaml.SafeLoader):
    """template.yaml's short-form intrinsics (!Ref, !Sub...) read as null: only literals are used."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)


def deployed_settings(template: pathlib.Path = ROOT / "template.yaml") -> dict:
    """{logical ID: {"timeout": s, "memory": MB}} of the template's functions."""
    resources = yaml.load(template.read_text(encoding="utf-8"), Loader=_IgnoreTags)["Resources"]
    return {logical: {"timeout": r["Properties"]["Timeout"], "memory": r["Properties"]["MemorySize"]}
            for logical, r in resources.items() if isinstance(r, dict) and r.get("Type") == "AWS::Serverless::Function"}


def lambda_spec(world: dict, emulator: str, config_file: pathlib.Path, binaries: pathlib.Path, log_dir: pathlib.Path) -> dict:
    """studiogate_lambda's spec of both functions (see the module docstring for why each reaches what)."""
    endpoints = world["endpoints"]
    missing = [key for key in ("sagemaker.api", "sts", "ssm", "kms", "dynamodb") if key not in endpoints]
    if missing:
        raise StackError(f"the seeded stack has no interface endpoint for {', '.join(missing)}: presign could not reach it")
    common = {"STUDIOGATE_CONFIG_FILE": str(config_file), "RUST_LOG": os.environ.get("RUST_LOG", "info")}
    env = {
        "saml-validator": {**common, "AWS_ENDPOINT_URL": emulator, "AWS_ENDPOINT_URL_LAMBDA": emulator},
        "presign": {
            **common,
            "AWS_ENDPOINT_URL": emulator,   # EMR and anything else without an endpoint: the NAT
            "AWS_ENDPOINT_URL_STS": endpoints["sts"],
            "AWS_ENDPOINT_URL_SSM": endpoints["ssm"],
            "AWS_ENDPOINT_URL_KMS": endpoints["kms"],
            "AWS_ENDPOINT_URL_SAGEMAKER": endpoints["sagemaker.api"],
            "AWS_ENDPOINT_URL_DYNAMODB": endpoints["dynamodb"],   # the gateway endpoint (seal ledger)
        },
    }
    settings = deployed_settings()
    functions = {}
    for name in NAMES:
        logical = world["stack"]["functions"][name]["logical"]
        credentials = world["function_credentials"][name]
        functions[name] = {
            "binary": str(binaries / name),
            "env": env[name],
            "credentials": {k: credentials[k] for k in ("access_key_id", "secret_access_key", "session_token")},
            "timeout": settings[logical]["timeout"],
            "memory": settings[logical]["memory"],
            "region": "us-east-1",
            "account": world["stack"]["functions"][name]["arn"].split(":")[4],
        }
    return {"log_dir": str(log_dir), "functions": functions}
