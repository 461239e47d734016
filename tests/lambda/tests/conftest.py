"""Fixtures: the service in-process (its functions are real processes: the fake runtime client, or
the real binaries), served on a free port; requests to it as a client would make them."""

from __future__ import annotations

import json
import os
import pathlib
import stat
import sys

import pytest
import requests

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE.parent))

from studiogate_lambda import FunctionSpec, LambdaService, serve  # noqa: E402


@pytest.fixture(scope="session")
def fake_binary(tmp_path_factory) -> str:
    """An executable that runs the fake runtime client with this Python (the process environment
    is Lambda's, without this one's PATH or virtualenv)."""
    path = tmp_path_factory.mktemp("bin") / "fake-function"
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" -I "{HERE / "fake_runtime.py"}" "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


class Running:
    """A service under test and its front door."""

    def __init__(self, service: LambdaService, url: str) -> None:
        self.service = service
        self.url = url

    def invoke(self, name: str, payload, headers: dict | None = None) -> requests.Response:
        data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        return requests.post(f"{self.url}/2015-03-31/functions/{name}/invocations", data=data,
                             headers=headers or {}, timeout=60)

    def stats(self, name: str) -> dict:
        return requests.get(f"{self.url}/_lambda/stats", timeout=10).json()["functions"][name]

    def log(self, name: str) -> str:
        return self.service.functions[name].log_path.read_text(encoding="utf-8")


@pytest.fixture
def lambda_service(tmp_path, fake_binary):
    """A factory: lambda_service(name=..., **spec) -> Running; everything stops after the test."""
    started: list = []

    def start(*specs: dict) -> Running:
        service = LambdaService([FunctionSpec(**{"binary": fake_binary, **spec}) for spec in specs], tmp_path / "logs")
        server, url = serve(service)
        started.append((server, service))
        return Running(service, url)

    yield start
    for server, service in started:
        server.shutdown()
        service.stop()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie is gone for our purposes.
    try:
        return pathlib.Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0
    except OSError:
        return False
