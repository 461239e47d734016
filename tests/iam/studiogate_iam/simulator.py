"""Python client of tests/iam/simulator/server.mjs: IAM decisions by @cloud-copilot/iam-simulate.

    sim = shared()          # one Node process per Python process, started on first use
    decision = sim.evaluate(principal_arn, "kms:GenerateMac", key_arn, context,
                            identity_policies=stack.identity_policies("SamlValidatorRole"),
                            resource_policy=stack.key_policies["PresignSealKey"]["policy"])
    decision.allowed, decision.decision, decision.sids(), decision.errors

The process is started lazily and kept: one request costs about a millisecond, a start about a
third of a second. A lock serializes request and answer, so threads (the emulator's request
handlers) may share one Simulator. It is closed at exit.

An invalid request (unknown action, a resource of no resource type of the action, a context key
that does not apply) answers decision None, allowed False and errors; `check()` raises on it.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import pathlib
import select
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any

SIMULATOR_DIR = pathlib.Path(__file__).resolve().parents[1] / "simulator"
ANONYMOUS = "anonymous"


class SimulatorError(RuntimeError):
    """The simulator process could not be started or did not answer."""


@dataclass(frozen=True)
class Statement:
    """A statement that decided a request: its policy's name (None for the resource policy when
    unnamed), its Sid (None when it has none) and its 1-based index in the policy."""

    kind: str          # identity | resource | pb | session
    policy: str | None
    sid: str | None
    index: int | None
    effect: str


@dataclass(frozen=True)
class Decision:
    decision: str | None                 # Allowed | ImplicitlyDenied | ExplicitlyDenied | None (invalid)
    allowed: bool
    deciding: tuple[Statement, ...] = ()
    errors: tuple[str, ...] = ()
    near_misses: tuple[dict, ...] = ()   # statements whose action matched but that did not apply, and why
    resource_type: str | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def sids(self, kind: str | None = None) -> set[str | None]:
        return {s.sid for s in self.deciding if kind is None or s.kind == kind}

    def check(self) -> "Decision":
        if self.errors:
            raise SimulatorError("; ".join(self.errors))
        return self

    def explain(self) -> str:
        """One paragraph: the decision, what decided it, and for a denial the statements that nearly applied."""
        parts = [f"{self.decision}"]
        if self.errors:
            parts.append("errors: " + "; ".join(self.errors))
        if self.deciding:
            parts.append("decided by " + ", ".join(f"{s.kind} {s.policy or '-'}/{s.sid or f'#{s.index}'} ({s.effect})"
                                                    for s in self.deciding))
        for miss in self.near_misses:
            why = [f"{c['operator']} {c['key']} " + ("is missing from the request context" if c["missing"] else
                                                      f"{[v['resolved'] or v['value'] for v in c['values']]} is false")
                   for c in miss.get("failedConditions", [])]
            if miss.get("principalMatch") not in ("Match", "SessionRoleMatch", "SessionUserMatch", "AccountLevelMatch", None):
                why.append(f"principal {miss['principalMatch']}")
            why += miss.get("resourceMismatches", [])
            parts.append(f"{miss['kind']} {miss['policy'] or '-'}/{miss['sid']} did not apply: " + "; ".join(why))
        return ". ".join(parts)


def _named(policy: dict, fallback: str) -> dict:
    return policy if set(policy) == {"name", "policy"} else {"name": fallback, "policy": policy}


class Simulator:
    """One long-lived `node server.mjs`, shared by threads."""

    def __init__(self, directory: pathlib.Path = SIMULATOR_DIR, node: str = "node", timeout: float = 60.0):
        self.directory, self.node, self.timeout = pathlib.Path(directory), node, timeout
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._stderr = None
        self._buffer = b""
        self._ids = itertools.count(1)

    def _start(self) -> None:
        if not (self.directory / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
            raise SimulatorError(f"{self.directory}/node_modules is missing: run scripts/setup.sh "
                                 "(npm ci --no-audit --no-fund in tests/iam/simulator)")
        self._stderr = tempfile.TemporaryFile()
        try:
            self._process = subprocess.Popen([self.node, "server.mjs"], cwd=self.directory, stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=self._stderr)
        except OSError as error:
            raise SimulatorError(f"cannot start {self.node}: {error}") from error
        self._buffer = b""

    def _died(self, what: str) -> SimulatorError:
        message = what
        if self._stderr is not None:
            self._stderr.seek(0)
            message += ": " + self._stderr.read().decode(errors="replace")[-2000:]
        self._stop()
        return SimulatorError(message)

    def _read_line(self) -> bytes:
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([fd], [], [], self.timeout)
            if not ready:
                raise self._died(f"no answer within {self.timeout} s")
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise self._died("the simulator exited")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def request(self, payload: dict) -> dict:
        """Send one request (any op) and return the answer."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()
            assert self._process is not None and self._process.stdin is not None
            request_id = next(self._ids)
            try:
                self._process.stdin.write(json.dumps({**payload, "id": request_id}).encode() + b"\n")
                self._process.stdin.flush()
            except (BrokenPipeError, OSError) as error:
                raise self._died(f"cannot write to the simulator ({error})") from error
            answer = json.loads(self._read_line())
            if answer.get("id") != request_id:
                raise self._died(f"answer {answer.get('id')} to request {request_id}")
            return answer

    def evaluate(self, principal: str, action: str, resource: str, context: dict | None = None,
                 identity_policies: list[dict] | tuple = (), resource_policy: dict | None = None, *,
                 resource_account: str | None = None, permission_boundaries: list[dict] | None = None,
                 session_policy: dict | None = None, strict_context: bool = True) -> Decision:
        """Evaluate one request. Policies are documents or {name, policy}; the resource policy of a
        role is its trust policy, of a KMS key its key policy. principal may be ANONYMOUS."""
        payload: dict[str, Any] = {
            "principal": principal, "action": action, "resource": resource, "context": context or {},
            "identityPolicies": [_named(p, f"identity-{i + 1}") for i, p in enumerate(identity_policies)],
            "strictContext": strict_context}
        if resource_policy is not None:
            payload["resourcePolicy"] = _named(resource_policy, "resource-policy")
        if resource_account is not None:
            payload["resourceAccount"] = resource_account
        if permission_boundaries is not None:
            payload["permissionBoundaries"] = [_named(p, f"boundary-{i + 1}") for i, p in enumerate(permission_boundaries)]
        if session_policy is not None:
            payload["sessionPolicy"] = session_policy
        answer = self.request({"op": "evaluate", **payload})
        return Decision(
            decision=answer.get("decision"), allowed=bool(answer.get("allowed")),
            deciding=tuple(Statement(d["kind"], d.get("policy"), d.get("sid"), d.get("index"), d["effect"])
                           for d in answer.get("deciding", [])),
            errors=tuple(answer.get("errors", [])), near_misses=tuple(answer.get("nearMisses", [])),
            resource_type=answer.get("resourceType"), raw=answer)

    def describe(self, action: str) -> dict:
        """The action's row of the Service Authorization Reference, as iam-data has it."""
        answer = self.request({"op": "describe", "action": action})
        if answer.get("errors"):
            raise SimulatorError("; ".join(answer["errors"]))
        return answer

    def version(self) -> dict:
        return self.request({"op": "version"})

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()  # type: ignore[union-attr]
                except OSError:
                    pass
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def close(self) -> None:
        with self._lock:
            self._stop()


_shared: Simulator | None = None
_shared_lock = threading.Lock()


def shared() -> Simulator:
    """The process-wide Simulator (its Node process starts on the first request, ends at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Simulator()
            atexit.register(_shared.close)
        return _shared
