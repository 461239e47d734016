"""Fixtures: one emulator per test session (started with `serve`, stopped by PID), a fresh seeded
world per test, clients with and without federated credentials."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config

HERE = pathlib.Path(__file__).resolve().parent
EMULATOR_DIR = HERE.parent
REPO = EMULATOR_DIR.parent.parent
KEYS = REPO / "testdata" / "keys"
WORLD = EMULATOR_DIR / "worlds" / "default.json"
# The Rust SDK does not validate ranges client-side; neither may the tests, so the emulator must.
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=False)


class Emulator:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def control(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.endpoint + "/_emulator" + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def client(self, service: str, creds: dict | None = None, retries: bool = False):
        creds = creds or {"AccessKeyId": "AKIAFUNCTIONROLE0001", "SecretAccessKey": "function-secret", "SessionToken": None}
        session = boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds.get("SessionToken"),
            region_name="us-east-1",
        )
        return session.client(service, endpoint_url=self.endpoint, config=Config(parameter_validation=False) if retries else NO_RETRY)


@pytest.fixture(scope="session")
def emulator():
    started = time.time()
    process = subprocess.Popen(
        [sys.executable, "-m", "studiogate_emulator", "serve", "--parent-pid", str(os.getpid())],
        cwd=EMULATOR_DIR, stdout=subprocess.PIPE, text=True,
    )
    endpoint = None
    for line in process.stdout:
        if line.startswith("EMULATOR_ENDPOINT="):
            endpoint = line.strip().split("=", 1)[1]
            break
    assert endpoint, "the emulator printed no endpoint"
    print(f"\nemulator ready at {endpoint} in {time.time() - started:.1f}s")
    yield Emulator(endpoint)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def world(emulator):
    emulator.control("POST", "/reset")
    emulator.control("POST", "/config", {"transition_seconds": 0.3})
    with open(WORLD, encoding="utf-8") as handle:
        description = json.load(handle)
    description["saml_providers"][0]["certificate_file"] = str(KEYS / "idp-cert.pem")
    return emulator.control("POST", "/seed", description)
