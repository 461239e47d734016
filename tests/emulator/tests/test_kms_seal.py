"""The world's seal key and the minted presign events: KMS HMAC as both functions use it. The bytes a
seal covers come from the Rust code (`studiogate presign-request seal-input`), never a copy of it."""

import base64
import json

import pytest
from botocore.exceptions import ClientError

from studiogate_emulator import mint

REQUEST = {
    "request_id": "r",
    "target": "sagemaker-ml",
    "identity": {"name_id": "alice@example.com", "role_session_name": "alice", "groups": ["ml-engineers"]},
    "credentials": {"access_key_id": "ASIAEXAMPLE", "secret_access_key": "secret", "session_token": "token",
                    "expiration": "2026-12-01T13:00:00Z"},
}


def test_the_world_has_an_hmac_key_under_the_seal_alias(emulator, world):
    key_id = world["kms_mac_keys"][mint.SEAL_KEY]
    metadata = emulator.client("kms").describe_key(KeyId=mint.SEAL_KEY)["KeyMetadata"]
    assert (metadata["KeyId"], metadata["KeySpec"], metadata["KeyUsage"]) == (key_id, "HMAC_256", "GENERATE_VERIFY_MAC")


def test_a_sealed_event_verifies_and_a_changed_one_does_not(emulator, world):
    sealed = mint.seal(emulator.endpoint, REQUEST, sealed_at=1_800_000_000)
    assert json.loads(sealed["request"])["identity"]["groups"] == ["ml-engineers"]
    assert sealed["sealed_at"] == 1_800_000_000
    _, message = mint.seal_input(json.loads(sealed["request"]), 1_800_000_000)
    kms = emulator.client("kms", world["function_credentials"]["presign"])  # only presign may check
    mac = base64.b64decode(sealed["mac"])
    assert kms.verify_mac(KeyId=mint.SEAL_KEY, Message=message, Mac=mac, MacAlgorithm="HMAC_SHA_256")["MacValid"]
    changed = json.loads(sealed["request"].replace("ml-engineers", "ml-admins"))
    _, changed_message = mint.seal_input(changed, 1_800_000_000)
    with pytest.raises(ClientError) as excinfo:
        kms.verify_mac(KeyId=mint.SEAL_KEY, Message=changed_message, Mac=mac, MacAlgorithm="HMAC_SHA_256")
    assert excinfo.value.response["Error"]["Code"] == "KMSInvalidMacException"


def test_the_cli_refuses_what_is_not_a_presign_request():
    with pytest.raises(ValueError, match="not a presign request"):
        mint.seal_input({"target": 7}, 1_800_000_000)
