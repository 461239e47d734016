"""Shared by the two handlers of the Python reference: the broker configuration the stack wrote
(STUDIOGATE_CONFIG_FILE, the same TOML the Rust functions read) and boto3 clients built once per
environment, as a careful Python Lambda does (module scope, so warm invocations reuse them)."""

from __future__ import annotations

import os
import tomllib

import boto3
from botocore import UNSIGNED
from botocore.config import Config

with open(os.environ["STUDIOGATE_CONFIG_FILE"], "rb") as _handle:
    CONFIG = tomllib.load(_handle)

# One attempt plus two retries, a few seconds each: the Rust functions' budgets, roughly.
_RETRIES = Config(retries={"total_max_attempts": 3, "mode": "standard"}, connect_timeout=2, read_timeout=8)
SESSION = boto3.session.Session()


def client(service: str, unsigned: bool = False, **kwargs):
    """A client of the function's own role; AWS_ENDPOINT_URL(_SERVICE) picks the endpoint, as for
    the Rust functions (botocore reads the same variables)."""
    config = _RETRIES.merge(Config(signature_version=UNSIGNED)) if unsigned else _RETRIES
    return SESSION.client(service, config=config, **kwargs)
