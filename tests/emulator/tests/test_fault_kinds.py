"""The fault kinds that give no answer ("reset", "timeout"), the faults' network and principal
filters, and faults on the console federation endpoint (`signin:GetSigninToken`)."""

import json
import time
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from conftest import OPERATOR


def short_client(emulator, service: str, read_timeout: float = 0.5):
    """The operator's client with no retries and a short read timeout."""
    session = boto3.session.Session(aws_access_key_id=OPERATOR["AccessKeyId"],
                                    aws_secret_access_key=OPERATOR["SecretAccessKey"], region_name="us-east-1")
    return session.client(service, endpoint_url=emulator.endpoint, config=Config(
        retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=read_timeout))


def outcomes(emulator, operation: str) -> list[str]:
    service, name = operation.split(":")
    return [c["outcome"] for c in emulator.control("GET", "/calls") if (c["service"], c["operation"]) == (service, name)]


def test_reset_closes_the_connection_without_an_answer_then_recovers(emulator, world):
    emulator.control("POST", "/faults", {"operation": "sagemaker:ListDomains", "kind": "reset", "count": 1})
    client = short_client(emulator, "sagemaker", read_timeout=5)
    started = time.monotonic()
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        client.list_domains()
    assert time.monotonic() - started < 4, "a reset is immediate, not the 5 s read timeout"
    assert len(client.list_domains()["Domains"]) == 1
    assert outcomes(emulator, "sagemaker:ListDomains") == ["ConnectionReset", "ok"]


def test_timeout_answers_nothing_for_longer_than_the_client_waits(emulator, world):
    emulator.control("POST", "/faults", {"operation": "dynamodb:ListTables", "kind": "timeout", "latency_ms": 3000, "count": 1})
    client = short_client(emulator, "dynamodb", read_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        client.list_tables()
    assert time.monotonic() - started < 2.5, "the client gave up first (0.5 s), before the 3 s answer"
    # The emulator's wait ends at 3 s; then it records the call and drops the connection.
    deadline = time.monotonic() + 10
    while not outcomes(emulator, "dynamodb:ListTables") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert outcomes(emulator, "dynamodb:ListTables") == ["Timeout"]
    assert "TableNames" in client.list_tables()


def test_a_timeout_the_client_outwaits_is_a_closed_connection(emulator, world):
    emulator.control("POST", "/faults", {"operation": "kms:ListKeys", "kind": "timeout", "latency_ms": 300})
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        short_client(emulator, "kms", read_timeout=5).list_keys()
    assert emulator.control("GET", "/faults") == {"kms:ListKeys": {"kind": "timeout", "count": None, "latency_ms": 300}}


def test_network_and_principal_filters_pick_the_calls_a_fault_applies_to(emulator, world):
    # Only calls through the corporate listener, then only the operator's: the others pass.
    emulator.control("POST", "/faults", {"operation": "sagemaker:ListDomains", "kind": "error500", "network": "corporate"})
    client = short_client(emulator, "sagemaker")
    assert len(client.list_domains()["Domains"]) == 1
    corporate = boto3.session.Session(aws_access_key_id=OPERATOR["AccessKeyId"], aws_secret_access_key=OPERATOR["SecretAccessKey"],
                                      region_name="us-east-1").client(
        "sagemaker", endpoint_url=world["networks"]["corporate"], config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(Exception) as failed:
        corporate.list_domains()
    assert failed.value.response["Error"]["Code"] == "InternalFailure"
    emulator.control("POST", "/faults", {"operation": "sagemaker:ListDomains", "kind": "throttle", "principal": "someone-else"})
    assert len(client.list_domains()["Domains"]) == 1
    emulator.control("POST", "/faults", {"operation": "sagemaker:ListDomains", "kind": "throttle", "principal": "emulator-operator"})
    with pytest.raises(Exception) as throttled:
        client.list_domains()
    assert throttled.value.response["Error"]["Code"] == "ThrottlingException"
    assert emulator.control("GET", "/faults")["sagemaker:ListDomains"]["principal"] == "emulator-operator"


def test_an_unknown_kind_is_refused(emulator, world):
    with pytest.raises(urllib.error.HTTPError) as refused:
        emulator.control("POST", "/faults", {"operation": "sts:*", "kind": "hang"})
    assert refused.value.code == 400


@pytest.mark.parametrize("kind, status", [("throttle", 429), ("error500", 500), ("error503", 503)])
def test_the_federation_endpoint_takes_faults_as_signin_get_signin_token(emulator, world, kind, status):
    url = emulator.endpoint + "/federation?Action=getSigninToken&Session=" + urllib.request.quote(json.dumps({"sessionId": "ASIANOBODY"}))
    emulator.control("POST", "/faults", {"operation": "signin:GetSigninToken", "kind": kind, "count": 1})
    with pytest.raises(urllib.error.HTTPError) as faulted:
        urllib.request.urlopen(url, timeout=5)
    assert faulted.value.code == status
    with pytest.raises(urllib.error.HTTPError) as invalid:   # the fault is spent: the endpoint answers itself
        urllib.request.urlopen(url, timeout=5)
    assert invalid.value.code == 400
    calls = [c for c in emulator.control("GET", "/calls") if c["service"] == "signin"]
    assert [c["outcome"] for c in calls] == [{"throttle": "TooManyRequests", "error500": "InternalFailure",
                                              "error503": "ServiceUnavailable"}[kind], "HTTP400"]
    assert calls[0]["signer"] == {"kind": "unknown", "access_key_id": "ASIANOBODY"}


def test_the_federation_endpoint_can_drop_the_connection(emulator, world):
    emulator.control("POST", "/faults", {"operation": "signin:*", "kind": "reset", "count": 1})
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)) as dropped:
        urllib.request.urlopen(emulator.endpoint + "/federation?Action=getSigninToken&Session=%7B%7D", timeout=5)
    assert not isinstance(dropped.value, urllib.error.HTTPError), "no answer at all"
