"""EMR Studio and session mappings."""

import pytest
from botocore.exceptions import ClientError

POLICY_A = "arn:aws:iam::123456789012:policy/EMRStudioBasic"
POLICY_B = "arn:aws:iam::123456789012:policy/EMRStudioAdvanced"


def code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_studios_report_auth_mode_and_url(emulator, world):
    emr = emulator.client("emr")
    iam_studio = emr.describe_studio(StudioId=world["emr_studios"]["iam"]["id"])["Studio"]
    assert iam_studio["AuthMode"] == "IAM" and iam_studio["Url"].startswith("https://es-")
    assert emr.describe_studio(StudioId=world["emr_studios"]["idc"]["id"])["Studio"]["AuthMode"] == "SSO"
    assert len(emr.list_studios()["Studios"]) == 2
    with pytest.raises(ClientError) as excinfo:
        emr.describe_studio(StudioId="es-NOPE")
    assert code(excinfo) == "InvalidRequestException"


def test_session_mapping_lifecycle_in_an_identity_center_studio(emulator, world):
    emr, studio = emulator.client("emr"), world["emr_studios"]["idc"]["id"]
    emr.create_studio_session_mapping(StudioId=studio, IdentityName="alice@example.com", IdentityType="USER", SessionPolicyArn=POLICY_A)
    got = emr.get_studio_session_mapping(StudioId=studio, IdentityName="alice@example.com", IdentityType="USER")["SessionMapping"]
    assert got["SessionPolicyArn"] == POLICY_A and got["IdentityName"] == "alice@example.com" and got["IdentityId"]
    with pytest.raises(ClientError) as excinfo:
        emr.create_studio_session_mapping(StudioId=studio, IdentityName="alice@example.com", IdentityType="USER", SessionPolicyArn=POLICY_A)
    assert code(excinfo) == "InvalidRequestException"
    emr.update_studio_session_mapping(StudioId=studio, IdentityName="alice@example.com", IdentityType="USER", SessionPolicyArn=POLICY_B)
    assert emr.get_studio_session_mapping(StudioId=studio, IdentityName="alice@example.com", IdentityType="USER")["SessionMapping"]["SessionPolicyArn"] == POLICY_B
    emr.create_studio_session_mapping(StudioId=studio, IdentityName="ml-engineers", IdentityType="GROUP", SessionPolicyArn=POLICY_A)
    assert len(emr.list_studio_session_mappings(StudioId=studio)["SessionMappings"]) == 2
    assert len(emr.list_studio_session_mappings(StudioId=studio, IdentityType="GROUP")["SessionMappings"]) == 1
    emr.delete_studio_session_mapping(StudioId=studio, IdentityName="alice@example.com", IdentityType="USER")
    with pytest.raises(ClientError) as excinfo:
        emr.get_studio_session_mapping(StudioId=studio, IdentityName="alice@example.com", IdentityType="USER")
    assert code(excinfo) == "InvalidRequestException"


def test_session_mappings_are_refused_for_iam_studios(emulator, world):
    emr = emulator.client("emr")
    with pytest.raises(ClientError) as excinfo:
        emr.create_studio_session_mapping(StudioId=world["emr_studios"]["iam"]["id"], IdentityName="alice", IdentityType="USER", SessionPolicyArn=POLICY_A)
    assert code(excinfo) == "InvalidRequestException"
