"""Fault injection per operation, the call log, and reset."""

import json
import time

import pytest
from botocore.exceptions import ClientError

import saml


def code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_throttling_for_the_next_n_calls_then_recovery(emulator, world):
    emulator.control("POST", "/faults", {"operation": "sagemaker:ListDomains", "kind": "throttle", "count": 2})
    client = emulator.client("sagemaker")
    for _ in range(2):
        with pytest.raises(ClientError) as excinfo:
            client.list_domains()
        assert code(excinfo) == "ThrottlingException"
    assert len(client.list_domains()["Domains"]) == 1


def test_sdk_retries_ride_out_a_short_throttle(emulator, world):
    emulator.control("POST", "/faults", {"operation": "sagemaker:ListDomains", "kind": "throttle", "count": 2})
    assert len(emulator.client("sagemaker", retries=True).list_domains()["Domains"]) == 1


@pytest.mark.parametrize("kind, status, error", [("error500", 500, "InternalFailure"), ("error503", 503, "ServiceUnavailable")])
def test_server_errors(emulator, world, kind, status, error):
    emulator.control("POST", "/faults", {"operation": "emr:*".replace("emr", "elasticmapreduce"), "kind": kind})
    with pytest.raises(ClientError) as excinfo:
        emulator.client("emr").list_studios()
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert code(excinfo) == error
    emulator.control("DELETE", "/faults")
    assert len(emulator.client("emr").list_studios()["Studios"]) == 2


def test_sts_throttling_and_added_latency(emulator, world):
    emulator.control("POST", "/faults", {"operation": "sts:AssumeRoleWithSAML", "kind": "throttle", "count": 1})
    with pytest.raises(ClientError) as excinfo:
        saml.assume(emulator, saml.response())
    assert code(excinfo) == "Throttling"
    emulator.control("POST", "/faults", {"operation": "dynamodb:*", "kind": "latency", "latency_ms": 300})
    started = time.time()
    emulator.client("dynamodb").list_tables()
    assert time.time() - started >= 0.3
    assert emulator.control("GET", "/faults") == {"dynamodb:*": {"kind": "latency", "count": None, "latency_ms": 300}}


def test_call_log_names_the_signer_and_never_the_secrets(emulator, world):
    creds = saml.assume(emulator, saml.response(tags={"studiouserid": "alice"}))["Credentials"]
    domain = world["sagemaker_domains"]["ml"]["id"]
    emulator.client("sagemaker").create_user_profile(DomainId=domain, UserProfileName="alice", Tags=[{"Key": "studiouserid", "Value": "alice"}])
    time.sleep(0.4)
    emulator.client("sagemaker", creds, url=world["endpoints"]["sagemaker.api"]).create_presigned_domain_url(DomainId=domain, UserProfileName="alice")
    calls = emulator.control("GET", "/calls")
    presign = [c for c in calls if c["operation"] == "CreatePresignedDomainUrl"]
    assert presign[0]["signer"]["arn"] == "arn:aws:sts::123456789012:assumed-role/StudioUser/alice"
    assert presign[0]["params"] == {"DomainId": domain, "UserProfileName": "alice"}
    create = [c for c in calls if c["operation"] == "CreateUserProfile"][0]
    assert create["signer"] == {"kind": "operator", "arn": "arn:aws:iam::123456789012:user/emulator-operator",
                                "access_key_id": "AKIAEMULATOROPERATOR"}
    assume = [c for c in calls if c["operation"] == "AssumeRoleWithSAML"][0]
    assert "SAMLAssertion" not in assume["params"] and assume["signer"] is None
    log = json.dumps(calls)
    for secret in (creds["SecretAccessKey"], creds["SessionToken"]):
        assert secret not in log


def test_replay_table_supports_the_conditional_write(emulator, world):
    dynamodb = emulator.client("dynamodb")
    now = int(time.time())

    def consume(expires_at):
        dynamodb.put_item(
            TableName="studiogate-replay",
            Item={"pk": {"S": "issuer#assertion-1"}, "expires_at": {"N": str(expires_at)}},
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )

    consume(now + 300)
    with pytest.raises(ClientError) as excinfo:
        consume(now + 300)
    assert code(excinfo) == "ConditionalCheckFailedException"
    ttl = dynamodb.describe_time_to_live(TableName="studiogate-replay")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"


def test_ssm_parameter_for_config(emulator, world):
    ssm = emulator.client("ssm")
    ssm.put_parameter(Name="/studiogate/config", Value="[idp]\nentity_id = \"x\"", Type="String")
    assert ssm.get_parameter(Name="/studiogate/config")["Parameter"]["Value"].startswith("[idp]")


def test_reset_clears_every_service(emulator, world):
    emulator.control("POST", "/faults", {"operation": "sagemaker:*", "kind": "throttle"})
    emulator.control("POST", "/reset")
    assert emulator.control("GET", "/faults") == {}
    assert emulator.control("GET", "/calls") == []
    assert emulator.client("sagemaker").list_domains()["Domains"] == []
    assert emulator.client("emr").list_studios()["Studios"] == []
    assert emulator.client("dynamodb").list_tables()["TableNames"] == []
    assert emulator.client("iam").list_saml_providers()["SAMLProviderList"] == []


def test_secrets_lists_what_was_issued_for_leak_tests(emulator, world):
    creds = saml.assume(emulator, saml.response())["Credentials"]
    issued = emulator.control("GET", "/secrets")
    assert {"access_key_id": creds["AccessKeyId"], "secret_access_key": creds["SecretAccessKey"], "session_token": creds["SessionToken"]} in issued["credentials"]
    assert issued["signin_tokens"] == [] and issued["presigned_tokens"] == []
    calls = json.dumps(emulator.control("GET", "/calls"))
    assert creds["SecretAccessKey"] not in calls and creds["SessionToken"] not in calls
