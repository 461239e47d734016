"""The command line (a spec file, LAMBDA_ENDPOINT, stopping its functions with it) and the real
saml-validator binary behind a function URL."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest
import requests

from conftest import HERE, REPO, pid_alive

sys.path.insert(0, str(REPO / "tests" / "local"))
from studiogate_local.functions import binaries_dir  # noqa: E402  (studiogate's own binaries, for one test)

BINARIES = binaries_dir()


@pytest.fixture
def command():
    """start(args) -> (process, url) of `python -m studiogate_lambda serve ARGS`; killed after the test
    if it is still running (its functions then exit: their Runtime API is gone)."""
    started: list[subprocess.Popen] = []

    def start(args: list[str]) -> tuple[subprocess.Popen, str]:
        process = subprocess.Popen([sys.executable, "-m", "studiogate_lambda", "serve", *args], cwd=HERE.parent,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(process)
        for line in process.stdout:
            if line.startswith("LAMBDA_ENDPOINT="):
                return process, line.strip().removeprefix("LAMBDA_ENDPOINT=")
        process.wait(timeout=10)
        raise AssertionError(f"no LAMBDA_ENDPOINT line; stderr: {process.stderr.read()}")

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_command_serves_a_spec_and_stops_its_functions_when_it_stops(command, tmp_path, fake_binary):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"log_dir": "logs-from-spec", "functions": {
        "echo": {"binary": fake_binary, "timeout": 5, "memory": 256, "env": {"FROM_SPEC": "1"}}}}))
    env_file = tmp_path / "echo.env"
    env_file.write_text("# comment\nFROM_FILE=2\nexport QUOTED=\"three\"\n")
    process, url = command(["--port", "0", "--spec", str(spec), "--env-file", f"echo={env_file}",
                           "--log-dir", str(tmp_path / "logs")])
    echo = requests.post(f"{url}/2015-03-31/functions/echo/invocations", json={"action": "log"}, timeout=30).json()
    assert (echo["env"]["FROM_SPEC"], echo["env"]["FROM_FILE"], echo["env"]["QUOTED"]) == ("1", "2", "three")
    assert echo["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert "to stdout" in (tmp_path / "logs/echo.log").read_text(), "--log-dir wins over the spec's"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0, "SIGTERM stops it (whichever thread receives the signal)"
    assert not pid_alive(echo["pid"]), "the function's process stopped with the service"


def test_the_command_stops_when_its_parent_exits(command, tmp_path, fake_binary):
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    process, url = command(["--port", "0", "--function", f"echo={fake_binary}", "--log-dir", str(tmp_path),
                            "--parent-pid", str(parent.pid)])
    pid = requests.post(f"{url}/2015-03-31/functions/echo/invocations", json={}, timeout=30).json()["pid"]
    parent.kill()
    parent.wait()
    process.wait(timeout=10)
    time.sleep(0.2)
    assert not pid_alive(pid)


def test_the_command_refuses_a_bad_spec(tmp_path, fake_binary):
    answer = subprocess.run([sys.executable, "-m", "studiogate_lambda", "serve", "--port", "0",
                             "--function", f"f={tmp_path / 'missing'}"], cwd=HERE.parent, capture_output=True, text=True, timeout=30)
    assert answer.returncode == 2 and "is not an executable file" in answer.stderr


@pytest.fixture
def real_saml_validator(lambda_service, tmp_path):
    """The service running studiogate's own saml-validator binary with the local example
    configuration (skipped when the workspace is not built)."""
    binary = BINARIES / "saml-validator"
    if not binary.exists():
        pytest.skip(f"{binary} is not built: cargo build --workspace --bins (CARGO_TARGET_DIR picks the target directory)")
    config = (REPO / "examples/local/studiogate.toml").read_text().replace('"../../', f'"{REPO}/')
    (tmp_path / "studiogate.toml").write_text(config)
    running = lambda_service({"name": "saml-validator", "binary": str(binary), "timeout": 29, "memory": 256,
                              "env": {"STUDIOGATE_CONFIG_FILE": str(tmp_path / "studiogate.toml"), "RUST_LOG": "info"},
                              "credentials": {"access_key_id": "AKIAEXAMPLE", "secret_access_key": "example"}})
    return running


def test_the_real_saml_validator_answers_healthz_through_its_function_url(real_saml_validator):
    running = real_saml_validator
    answer = requests.get(f"{running.url}/lambda-url/saml-validator/healthz", timeout=60)
    assert (answer.status_code, answer.text) == (200, "ok")
    metadata = requests.get(f"{running.url}/lambda-url/saml-validator/saml/metadata", timeout=60)
    assert metadata.status_code == 200 and metadata.headers["content-type"] == "application/samlmetadata+xml"
    (environment,) = running.stats("saml-validator")["environments"]
    assert [r["cold"] for r in environment["invocations"]] == [True, False]
    assert environment["init_ms"] > 0 and environment["peak_rss_kib"] > 1000
    assert "saml-validator ready" in running.log("saml-validator"), "its JSON log lines land in its log"


@pytest.mark.parametrize("finding", ["http_adapter-base64-flag-with-invalid-body", "http_adapter-host-idna-error",
                                     "http_adapter-alb-host-invalid-uri", "http_adapter-forwarded-proto-not-a-scheme"])
def test_an_event_lambda_http_cannot_parse_is_one_failed_invocation_and_the_function_serves_on(
        real_saml_validator, finding):
    """RELIABILITY.md F3, F4, F6 and F7: events no front door of ours is known to send (a base64-flagged
    body that is not base64, a host that is not a domain name, an ALB event whose Host is no URI
    authority, an X-Forwarded-Proto that is no URL scheme) make lambda_http's parser panic. Only a direct invoker (who holds
    lambda:InvokeFunction) can send the first three; whether a front door passes a client's
    X-Forwarded-Proto through only a real account can say. lambda_runtime catches the panic: the invoker gets one
    Unhandled function error, and the same environment answers the next request."""
    running = real_saml_validator
    event = (REPO / "fuzz" / "regressions" / f"{finding}.json").read_bytes()
    answer = running.invoke("saml-validator", event)
    assert answer.status_code == 200 and answer.headers.get("X-Amz-Function-Error") == "Unhandled", answer.text
    assert json.loads(event)["body"][:40] not in answer.text, "the error does not echo the body"
    assert answer.json()["errorMessage"].startswith("Lambda panicked: "), "lambda_runtime caught the panic"
    health = requests.get(f"{running.url}/lambda-url/saml-validator/healthz", timeout=60)
    assert (health.status_code, health.text) == (200, "ok")
    stats = running.stats("saml-validator")
    assert (stats["cold_starts"], stats["errors"], stats["invocations"]) == (1, 1, 2), "the same environment served on"
    assert stats["environments"][0].get("exit") is None
