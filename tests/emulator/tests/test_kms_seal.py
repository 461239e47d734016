"""The world's seal key and the minted presign events: KMS HMAC as both functions use it."""

import base64
import hashlib
import json

import pytest
from botocore.exceptions import ClientError

from studiogate_emulator import mint


def message(sealed: dict) -> bytes:
    digest = hashlib.sha256(sealed["request"].encode()).hexdigest()
    return f"{mint.SEAL_VERSION}\n{sealed['sealed_at']}\n{digest}".encode()


def test_the_world_has_an_hmac_key_under_the_seal_alias(emulator, world):
    key_id = world["kms_mac_keys"][mint.SEAL_KEY]
    metadata = emulator.client("kms").describe_key(KeyId=mint.SEAL_KEY)["KeyMetadata"]
    assert (metadata["KeyId"], metadata["KeySpec"], metadata["KeyUsage"]) == (key_id, "HMAC_256", "GENERATE_VERIFY_MAC")


def test_a_sealed_event_verifies_and_a_changed_one_does_not(emulator, world):
    request = {"request_id": "r", "target": "sagemaker-ml", "identity": {"groups": ["ml-engineers"]}}
    sealed = mint.seal(emulator.endpoint, request, sealed_at=1_800_000_000)
    assert json.loads(sealed["request"]) == request and sealed["sealed_at"] == 1_800_000_000
    kms = emulator.client("kms", world["function_credentials"]["presign"])  # only presign may check
    mac = base64.b64decode(sealed["mac"])
    assert kms.verify_mac(KeyId=mint.SEAL_KEY, Message=message(sealed), Mac=mac, MacAlgorithm="HMAC_SHA_256")["MacValid"]
    changed = {**sealed, "request": sealed["request"].replace("ml-engineers", "ml-admins")}
    with pytest.raises(ClientError) as excinfo:
        kms.verify_mac(KeyId=mint.SEAL_KEY, Message=message(changed), Mac=mac, MacAlgorithm="HMAC_SHA_256")
    assert excinfo.value.response["Error"]["Code"] == "KMSInvalidMacException"
