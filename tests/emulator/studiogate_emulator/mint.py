"""`python -m studiogate_emulator mint-presign-event --endpoint URL --target KEY --session NAME [--groups a,b]`

Signs an assertion with the test IdP, calls AssumeRoleWithSAML on the emulator, and prints a presign
request (the presign function's JSON input) with those fresh credentials, sealed with the emulator's
KMS HMAC key as saml-validator seals it (with saml-validator's own credentials, the only principal the
key policy lets make a MAC), for `cargo lambda invoke` (within a minute: seals expire).
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import subprocess
import time
import urllib.request
import uuid

import boto3
import botocore
import botocore.config

from . import testidp


def function_credentials(endpoint: str, function: str) -> dict:
    """The credentials the emulator issued for a session of `function`'s role (the seeded world's)."""
    with urllib.request.urlopen(f"{endpoint}/_emulator/world", timeout=30) as answer:
        world = json.loads(answer.read())
    try:
        return world["function_credentials"][function]
    except KeyError:
        raise RuntimeError(f"the emulator at {endpoint} has no seeded stack with a {function} function") from None


def presign_event(endpoint: str, target: str, session: str, groups: list[str]) -> dict:
    # AssumeRoleWithSAML is unsigned: no credentials.
    sts = boto3.session.Session(region_name="us-east-1").client(
        "sts", endpoint_url=endpoint, config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    result = sts.assume_role_with_saml(
        RoleArn=testidp.STUDIO_USER, PrincipalArn=testidp.PROVIDER,
        SAMLAssertion=testidp.response(session_name=session, name_id=f"{session}@example.com", tags={"studiouserid": session}),
        DurationSeconds=3600,
    )
    creds = result["Credentials"]
    return {
        "request_id": str(uuid.uuid4()),
        "target": target,
        "identity": {
            "name_id": f"{session}@example.com",
            "role_session_name": session,
            "source_identity": session,
            "groups": groups,
            "attributes": {"https://aws.amazon.com/SAML/Attributes/RoleSessionName": [session]},
            "principal_tags": {"studiouserid": session},
            "session_duration": 3600,
        },
        "credentials": {
            "access_key_id": creds["AccessKeyId"],
            "secret_access_key": creds["SecretAccessKey"],
            "session_token": creds["SessionToken"],
            "expiration": creds["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }


SEAL_KEY = "alias/studiogate-presign-seal"
REPO = pathlib.Path(__file__).resolve().parents[3]


def cli() -> pathlib.Path:
    """The `studiogate` CLI of this checkout (`cargo build --workspace --bins` builds it)."""
    target = os.environ.get("CARGO_TARGET_DIR")
    if not target:
        metadata = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=REPO,
                                  capture_output=True, text=True, check=True)
        target = json.loads(metadata.stdout)["target_directory"]
    path = pathlib.Path(target) / "debug" / "studiogate"
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run cargo build --workspace --bins")
    return path


def seal_input(request: dict, sealed_at: int) -> tuple[dict, bytes]:
    """The sealed envelope waiting for its MAC, and the bytes to MAC: from the Rust code itself
    (`studiogate presign-request seal-input`), so the format is written once."""
    answer = subprocess.run([str(cli()), "presign-request", "seal-input", "--sealed-at", str(sealed_at)],
                            input=json.dumps(request), capture_output=True, text=True)
    if answer.returncode != 0:
        raise ValueError(f"not a presign request: {answer.stderr.strip()}")
    sealed = json.loads(answer.stdout)
    return sealed["event"], base64.b64decode(sealed["mac_message"])


def seal(endpoint: str, request: dict, key: str = SEAL_KEY, sealed_at: int | None = None, credentials: dict | None = None) -> dict:
    """The presign function's input for `request`, MACed through the emulator's KMS as saml-validator
    seals it (its function credentials, unless `credentials` are given)."""
    sealed_at = int(time.time()) if sealed_at is None else sealed_at
    event, message = seal_input(request, sealed_at)
    creds = credentials or function_credentials(endpoint, "saml-validator")
    kms = boto3.session.Session(aws_access_key_id=creds["access_key_id"], aws_secret_access_key=creds["secret_access_key"],
                                aws_session_token=creds.get("session_token"), region_name="us-east-1").client("kms", endpoint_url=endpoint)
    mac = kms.generate_mac(KeyId=key, Message=message, MacAlgorithm="HMAC_SHA_256")["Mac"]
    return {**event, "mac": base64.b64encode(mac).decode()}


def main(args) -> int:
    event = presign_event(args.endpoint, args.target, args.session, [g for g in (args.groups or "").split(",") if g])
    print(json.dumps(seal(args.endpoint, event), indent=2))
    return 0
