"""The full stack for these tests: one local stack per session (the IAM-enforcing emulator, both
functions on the local Lambda service with their own credentials and networks, the pysaml2 IdP),
started by the same code as ./scripts/run-local.sh, on free ports, from the binaries
`cargo build --workspace --bins` made, with a fresh emulator world per test. Everything posted and
every URL handed out is kept, so the last test can search the functions' logs for them."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import boto3
import pytest
from botocore.config import Config

from studiogate_local.functions import local_world
from studiogate_local.once import request

REPO = pathlib.Path(__file__).resolve().parents[3]
# The emulator's own tools (minting sealed presign events) for the tests, as the stack runs it.
sys.path.insert(0, str(REPO / "tests" / "emulator"))
OUTPUT = REPO / "test-output"
# The emulator's administrator (tests/emulator/README.md, "Principals"): test setup calls only.
OPERATOR = {"access_key_id": "AKIAEMULATOROPERATOR", "secret_access_key": "emulator-operator-secret"}


class LocalStack:
    """The running stack and what the tests did with it."""

    def __init__(self, ready: dict):
        self.ready = ready
        self.acs = ready["acs"]
        self.broker = ready["broker"]
        self.idp = ready["idp"]
        self.emulator = ready["emulator"]
        self.logs = {name: pathlib.Path(path) for name, path in ready["logs"].items()}
        self.posted_responses: list[str] = []
        self.sign_in_cookies: dict[str, str] = {}   # IdP URL -> the cookie /login set with it
        self.locations: list[str] = []
        # Every secret the emulator issued, gathered before each reset clears them.
        self.secrets: dict[str, list] = {"credentials": [], "signin_tokens": [], "presigned_tokens": []}

    # ----- the IdP and the ACS
    def sign_in(self, user: str = "alice", tile: str = "sagemaker-user", **knobs) -> dict:
        """What the IdP posts for a click on `tile` (SAMLResponse, RelayState, acs), with test knobs."""
        fields = {"user": user, "tile": tile, "format": "json", **{k: str(v) for k, v in knobs.items()}}
        status, _, body = request("POST", f"{self.idp}/sso", fields)
        assert status == 200, body
        posted = json.loads(body)
        self.posted_responses.append(posted["SAMLResponse"])
        return posted

    def post_acs(self, posted: dict, **extra) -> tuple[int, dict, str]:
        """POSTs the form a browser would (SAMLResponse, RelayState unless None, extra fields), with
        the cookie of the sign-in it answers, if any (`posted["cookie"]`)."""
        fields = {"SAMLResponse": posted["SAMLResponse"]}
        if posted.get("RelayState") is not None:
            fields["RelayState"] = posted["RelayState"]
        fields.update(extra)
        status, headers, body = request("POST", self.acs, fields, cookie=posted.get("cookie"))
        if "location" in headers:
            self.locations.append(headers["location"])
        return status, headers, body

    def login(self, user: str = "alice", tile: str = "sagemaker-user", **knobs) -> tuple[int, dict, str]:
        return self.post_acs(self.sign_in(user, tile, **knobs))

    def start(self, target: str | None = "sagemaker-ml") -> str:
        """SP-initiated: `GET /login?target=...` on the broker; the IdP URL it redirects to."""
        query = f"?{urllib.parse.urlencode({'target': target})}" if target is not None else ""
        status, headers, body = request("GET", f"{self.broker}/login{query}")
        assert status == 302, body
        assert headers["location"].startswith(f"{self.idp}/sso?SAMLRequest="), headers["location"]
        # The local ACS is plain http: the cookie is SameSite=Lax, without __Host- and Secure.
        self.sign_in_cookies[headers["location"]] = headers["set-cookie"].split(";", 1)[0]
        return headers["location"]

    def answer(self, idp_url: str, user: str = "alice", **knobs) -> dict:
        """What the IdP posts back when `user` signs in for the AuthnRequest in `idp_url`."""
        query = urllib.parse.urlencode({"user": user, "format": "json", **{k: str(v) for k, v in knobs.items()}})
        status, _, body = request("GET", f"{idp_url}&{query}")
        assert status == 200, body
        posted = json.loads(body)
        self.posted_responses.append(posted["SAMLResponse"])
        if idp_url in self.sign_in_cookies:   # the browser that started the sign-in
            posted["cookie"] = self.sign_in_cookies[idp_url]
        return posted

    # ----- the emulator
    def control(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        call = urllib.request.Request(f"{self.emulator}/_emulator{path}", data=data, method=method,
                                      headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(call, timeout=30) as answer:
            return json.loads(answer.read() or b"null")

    def resolve(self, url: str) -> dict:
        return self.control("GET", "/sagemaker/presigned?" + urllib.parse.urlencode({"url": url}))

    def calls(self, operation: str | None = None) -> list[dict]:
        calls = self.control("GET", "/calls")
        return [c for c in calls if operation is None or f"{c['service']}:{c['operation']}".lower() == operation.lower()]

    def client(self, service: str, credentials: dict | None = None):
        """A boto3 client on the emulator's main listener, signed by the operator (the emulator's
        administrator, for test setup) unless other credentials (STS's shape) are given."""
        credentials = credentials or {"AccessKeyId": OPERATOR["access_key_id"], "SecretAccessKey": OPERATOR["secret_access_key"]}
        session = boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                        aws_secret_access_key=credentials["SecretAccessKey"],
                                        aws_session_token=credentials.get("SessionToken"), region_name="us-east-1")
        return session.client(service, endpoint_url=self.emulator, config=Config(retries={"total_max_attempts": 1}))

    def collect_secrets(self) -> None:
        for kind, values in self.control("GET", "/secrets").items():
            self.secrets[kind].extend(values)

    def fresh_world(self, parameters: dict | None = None, studio_network: str | None = None) -> dict:
        """The default world again; `parameters` override the template's (e.g. StudioNetworkMode),
        `studio_network` is the network the browser opens Studio from (default: the stack's, vpc)."""
        self.collect_secrets()
        self.control("POST", "/reset")
        self.control("POST", "/config", {"transition_seconds": 0.3})
        description = local_world(self.ready["acs"])
        if parameters:
            description["stack"] = {**description["stack"], "parameters": {**description["stack"].get("parameters", {}), **parameters}}
        seeded = self.control("POST", "/seed", description)
        if studio_network:
            self.control("POST", "/config", {"studio_network": studio_network})
        return seeded

    def new_presign_environments(self) -> None:
        """Retires presign's execution environments, as a deploy of the hub does. A test that uses
        the spoke account calls it first: presign caches the spoke's provisioning-role session for
        its lifetime, and a fresh world (an emulator reset) has forgotten a session an earlier test made."""
        request = urllib.request.Request(f"{self.ready['functions']}/_lambda/recycle", data=json.dumps({"function": "presign"}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()

    def function_logs(self) -> str:
        """Everything both functions wrote (each function's environments share its log)."""
        return "\n".join(self.logs[name].read_text(encoding="utf-8", errors="replace") for name in ("saml-validator", "presign"))

    def log_lines(self) -> list[str]:
        return self.function_logs().splitlines()

    def lambda_stats(self) -> dict:
        with urllib.request.urlopen(f"{self.ready['functions']}/_lambda/stats", timeout=30) as answer:
            return json.loads(answer.read())["functions"]


@pytest.fixture(scope="session")
def stack():
    log_dir = OUTPUT / "full-stack"
    command = [
        sys.executable, "-W", "ignore", "-m", "studiogate_local", "stack", "--ports", "auto",
        "--accept-signin-recipient", "--log-dir", str(log_dir), "--quiet",
    ]
    process = subprocess.Popen(command, cwd=REPO / "tests/local", stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        ready = None
        started = time.time()
        for line in process.stdout:
            if line.startswith("STACK_READY="):
                ready = json.loads(line.removeprefix("STACK_READY="))
                break
        if ready is None:
            process.wait(timeout=30)
            pytest.fail(f"the local stack did not start (exit {process.returncode}); see {log_dir}")
        print(f"\nlocal stack ready in {time.time() - started:.1f}s ({ready['seconds']}): {ready['acs']}")
        yield LocalStack(ready)
    finally:
        # The orchestrator stops its children on SIGTERM; SIGKILL it if it does not.
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def world(stack):
    """A fresh emulator world for one test; the stack's functions keep running."""
    return stack.fresh_world()
