"""Per-operation fault injection and the call log, both driven over the control API."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from .protocol import AwsCall, AwsError

# AWS's throttling codes differ per service; the SDKs retry each of them.
THROTTLE_CODES = {
    "sts": ("Throttling", 400),
    "sagemaker": ("ThrottlingException", 400),
    "elasticmapreduce": ("ThrottlingException", 400),
    "dynamodb": ("ThrottlingException", 400),
    "ssm": ("ThrottlingException", 400),
    "iam": ("Throttling", 400),
    "lambda": ("TooManyRequestsException", 429),
    # The console federation endpoint (not an API: plain HTTP); AWS documents no throttling answer.
    "signin": ("TooManyRequests", 429),
}

KINDS = ("throttle", "error500", "error503", "latency", "reset", "timeout", "none")
# "timeout" without latency_ms: long enough for any client in the local stack to give up first.
DEFAULT_TIMEOUT_MS = 30_000


class Dropped(Exception):
    """The connection is to be closed without an answer ("reset", or "timeout" after its wait).
    The server records the call and closes the socket; the client sees a connection error."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome

# Parameters worth logging per operation: names and identifiers, never secrets or assertions.
LOGGED_PARAMS = {
    "DomainId", "UserProfileName", "SpaceName", "LandingUri", "ExpiresInSeconds",
    "SessionExpirationDurationInSeconds", "StudioId", "IdentityName", "IdentityId", "IdentityType",
    "SessionPolicyArn", "RoleArn", "PrincipalArn", "DurationSeconds", "RoleSessionName", "TableName",
    "Name", "StudioLifecycleConfigName", "ResourceArn", "DomainName", "AuthMode", "Path", "FunctionName",
    "Qualifier", "InvocationType", "KeyId", "AliasName", "TargetKeyId", "MacAlgorithm", "RoleName", "PolicyName",
    "Names", "SAMLProviderArn",
}


@dataclass
class Fault:
    """What to do to calls of one operation (or `*` for every operation of a service).

    "reset" closes the connection without an answer (after `latency_ms`, if any); "timeout" gives
    no answer for `latency_ms` (default 30 s), then closes the connection without one. Both are
    recorded in the call log with outcome "ConnectionReset" / "Timeout" and never reach the service.
    `network` (a listener name: "internet", "dynamodb"...) and `principal` (a substring of the
    signer's ARN or access key id) limit the fault to the calls they match; the others pass."""

    kind: str  # one of KINDS
    count: int | None = None  # fail the next N calls, then stop (None: until cleared)
    latency_ms: int = 0
    network: str | None = None
    principal: str | None = None

    def matches(self, signer: dict | None, network: str | None) -> bool:
        if self.network is not None and self.network != network:
            return False
        if self.principal is not None:
            signer = signer or {}
            return any(self.principal in (signer.get(k) or "") for k in ("arn", "access_key_id"))
        return True

    def to_json(self) -> dict:
        shown = {"kind": self.kind, "count": self.count, "latency_ms": self.latency_ms}
        shown.update({k: v for k, v in (("network", self.network), ("principal", self.principal)) if v is not None})
        return shown


class FaultBook:
    """Faults keyed by `service:Operation` (or `service:*`), and the call log."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._calls: list[dict] = []

    def set(self, key: str, fault: Fault) -> None:
        with self._lock:
            if fault.kind == "none":
                self._faults.pop(key, None)
            else:
                self._faults[key] = fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._calls.clear()

    def faults(self) -> dict:
        with self._lock:
            return {k: f.to_json() for k, f in self._faults.items()}

    def calls(self) -> list[dict]:
        with self._lock:
            return list(self._calls)

    def record(self, call: AwsCall, signer: dict | None, outcome: str, authorization: dict | None = None,
               network: str | None = None) -> None:
        """One call: who signed it (never a secret), its outcome, the network it came from, and its
        authorization (the IAM request(s), the decision and the deciding statements)."""
        entry = {
            "service": call.service,
            "operation": call.operation,
            "params": {k: v for k, v in call.params.items() if k in LOGGED_PARAMS},
            "access_key_id": call.access_key_id,
            "signer": signer,
            "outcome": outcome,
            "network": network,
            "authorization": authorization,
            "at": time.time(),
        }
        with self._lock:
            self._calls.append(entry)

    def apply(self, call: AwsCall, signer: dict | None = None, network: str | None = None) -> None:
        """Sleeps and/or raises as the fault for this call says (AwsError, or Dropped: no answer)."""
        with self._lock:
            key = next((k for k in (f"{call.service}:{call.operation}", f"{call.service}:*")
                        if k in self._faults and self._faults[k].matches(signer, network)), None)
            if key is None:
                return
            fault = self._faults[key]
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    del self._faults[key]
        if fault.kind == "timeout":
            time.sleep((fault.latency_ms or DEFAULT_TIMEOUT_MS) / 1000)
            raise Dropped("Timeout")
        if fault.latency_ms:
            time.sleep(fault.latency_ms / 1000)
        if fault.kind == "reset":
            raise Dropped("ConnectionReset")
        if fault.kind == "throttle":
            code, status = THROTTLE_CODES.get(call.service, ("ThrottlingException", 400))
            raise AwsError(code, "Rate exceeded", status)
        if fault.kind == "error500":
            raise AwsError("InternalFailure", "The request processing has failed because of an unknown error.", 500, sender=False)
        if fault.kind == "error503":
            raise AwsError("ServiceUnavailable", "Service is unavailable. Try again later.", 503, sender=False)
