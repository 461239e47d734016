"""Session fixtures of the differential oracle: the studiogate binary (built by CI, never here),
a scratch directory, and an RSA key generated for this run that signs the probes."""

from __future__ import annotations

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import studiogate_oracle as oracle  # noqa: E402


def pytest_configure(config):
    missing = oracle.have_tools()
    if missing:
        raise pytest.UsageError(missing)


@pytest.fixture(scope="session")
def binary() -> pathlib.Path:
    path = oracle.studiogate_binary()
    if not path.is_file():
        pytest.fail(f"{path} does not exist: build the workspace first (`cargo build --workspace --bins`, "
                    "as scripts/test-all.sh does), or name the binary with STUDIOGATE_BIN")
    return path


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> pathlib.Path:
    return tmp_path_factory.mktemp("oracle")


@pytest.fixture(scope="session")
def signer(workdir) -> oracle.TestKey:
    return oracle.generate_key(workdir)
