"""What moto's IAM does not keep of an IAM SAML provider: its private keys (AddPrivateKey, at most
two, for rotation; RemovePrivateKey by key ID) and its AssertionEncryptionMode (Allowed or
Required). The emulator records them from CreateSAMLProvider and UpdateSAMLProvider, and its STS
decrypts an EncryptedAssertion only with them."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

from .protocol import AwsCall, AwsError

MAX_KEYS = 2


@dataclass
class ProviderKeys:
    keys: dict[str, str] = field(default_factory=dict)   # key ID -> PEM
    mode: str | None = None                               # "Allowed" | "Required" | None


def key_id(pem: str) -> str:
    """A stable ID for a key ([A-Z0-9]{22,64}, the shape of IAM's)."""
    return hashlib.sha256(pem.strip().encode()).hexdigest().upper()[:26]


class SamlProviderKeys:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_arn: dict[str, ProviderKeys] = {}

    def reset(self) -> None:
        with self._lock:
            self._by_arn.clear()

    def of(self, provider_arn: str) -> ProviderKeys:
        with self._lock:
            found = self._by_arn.get(provider_arn, ProviderKeys())
            return ProviderKeys(dict(found.keys), found.mode)

    def record(self, call: AwsCall, account_id: str, exists) -> None:
        """Applies a Create/Update/DeleteSAMLProvider call's key and mode parameters (called before
        moto answers the call; `exists(arn)` says whether the provider is there now)."""
        params = call.params
        arn = params.get("SAMLProviderArn") or f"arn:aws:iam::{account_id}:saml-provider/{params.get('Name', '')}"
        mode = params.get("AssertionEncryptionMode")
        if mode is not None and mode not in ("Allowed", "Required"):
            raise AwsError("ValidationError", "AssertionEncryptionMode must be Allowed or Required")
        with self._lock:
            if call.operation == "DeleteSAMLProvider":
                self._by_arn.pop(arn, None)
                return
            if call.operation == "CreateSAMLProvider" and exists(arn):
                return   # moto refuses the duplicate; keep what the existing provider has
            if call.operation == "UpdateSAMLProvider" and not exists(arn):
                return
            current = self._by_arn.setdefault(arn, ProviderKeys())
            if params.get("RemovePrivateKey"):
                if params["RemovePrivateKey"] not in current.keys:
                    raise AwsError("InvalidInput", f"no private key {params['RemovePrivateKey']} on {arn}")
                del current.keys[params["RemovePrivateKey"]]
            if params.get("AddPrivateKey"):
                pem = params["AddPrivateKey"]
                if "PRIVATE KEY-----" not in pem:
                    raise AwsError("InvalidInput", "AddPrivateKey is not a PEM private key")
                if key_id(pem) not in current.keys and len(current.keys) >= MAX_KEYS:
                    raise AwsError("LimitExceeded", f"a SAML provider holds at most {MAX_KEYS} private keys")
                current.keys[key_id(pem)] = pem
            if mode is not None:
                current.mode = mode
