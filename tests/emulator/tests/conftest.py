"""Fixtures: one emulator per test session (started with `serve`, stopped by PID), a fresh seeded
world per test, clients signed by the operator, by issued credentials (a function's, a federated
session's) or by any key, through any listener (network)."""

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


OPERATOR = {"AccessKeyId": "AKIAEMULATOROPERATOR", "SecretAccessKey": "emulator-operator-secret"}


def as_boto(creds: dict) -> dict:
    """Credentials as the seed answer gives them (access_key_id...) or as STS does (AccessKeyId...)."""
    if "access_key_id" in creds:
        return {"AccessKeyId": creds["access_key_id"], "SecretAccessKey": creds["secret_access_key"],
                "SessionToken": creds.get("session_token")}
    return creds


class Emulator:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def control(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.endpoint + "/_emulator" + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def client(self, service: str, creds: dict | None = None, retries: bool = False, url: str | None = None):
        """A boto3 client signed by `creds` (default: the operator), through `url` (default: the
        internet listener; a world's `endpoints[...]` or `networks[...]` for another network)."""
        creds = as_boto(creds or OPERATOR)
        session = boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds.get("SessionToken"),
            region_name="us-east-1",
        )
        return session.client(service, endpoint_url=url or self.endpoint,
                              config=Config(parameter_validation=False) if retries else NO_RETRY)


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


def default_world() -> dict:
    """worlds/default.json as the harnesses post it (the certificate path made absolute)."""
    with open(WORLD, encoding="utf-8") as handle:
        description = json.load(handle)
    description["saml_providers"][0]["certificate_file"] = str(KEYS / "idp-cert.pem")
    return description


@pytest.fixture
def world(emulator):
    emulator.control("POST", "/reset")
    emulator.control("POST", "/config", {"transition_seconds": 0.3})
    return emulator.control("POST", "/seed", default_world())


class Browser:
    """A browser for the emulator's pages: keeps cookies, follows redirects. *.localhost names
    (presigned Studio URLs) are opened at 127.0.0.1 on the URL's port, or on the port of the
    listener `via` (a world's networks[...] or endpoints[...] URL): the network the browser is on."""

    def __init__(self) -> None:
        import http.cookiejar

        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, url: str, via: str | None = None) -> tuple[int, str, str]:
        """(status, final URL, body)."""
        import urllib.error
        import urllib.parse

        parts = urllib.parse.urlsplit(url)
        port = urllib.parse.urlsplit(via).port if via else parts.port
        target = urllib.parse.urlunsplit((parts.scheme, f"127.0.0.1:{port}", parts.path, parts.query, parts.fragment))
        try:
            with self.opener.open(target, timeout=30) as answer:
                return answer.status, answer.url, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode()


@pytest.fixture
def browser():
    return Browser()
