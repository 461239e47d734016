"""The fault matrix (issue 14 item 3): every AWS operation on the login and presign paths x
{throttling, 5xx, timeout, latency past the budget, connection reset}, through the whole local stack.

Each cell, on a fresh emulator world (tests/emulator: faults per operation, the call log):

- `throttle`, `error500`, `reset`: once (count=1, bob) -> the retry must carry the login to a 302;
  then until cleared (alice) -> the page she sees, the audit reason (saml-validator's `login` record,
  presign's line), how many calls of the operation the call log shows (bounded); then cleared.
- `timeout` (no answer, then a closed connection, for longer than the waiting client waits) and
  `latency` (an answer, just past the budget that bounds the call), once each (alice).
- then the next try (alice again, no fault): a clean 302, and no half-made state: every profile
  name once, at most one successful CreateUserProfile per name, alice's profile InService, at most
  one EMR session mapping per identity, and what the failed try left behind (a profile, a mapping).

Budgets (examples/local/studiogate.toml and the code): login.budget_seconds = 3 (one deadline for
the replay write, which may take its first half, and STS, each attempt cut off at it); sealing (KMS GenerateMac/VerifyMac) and the
seal ledger write: 2 s (SEAL_TIMEOUT); saml-validator waits presign.budget_seconds + 5 = 13 s for
presign's answer; presign.budget_seconds = 8 (GetCallerIdentity, SageMaker, EMR, Identity Store: no
client timeout of their own); the console federation client: 10 s.

The cells run on several local stacks at once (STUDIOGATE_FAULT_MATRIX_STACKS, default 9): each cell
waits on budgets, not on the CPU. The run writes test-output/fault-matrix.md (the table: what is
deterministic) and test-output/fault-matrix-observed.json (exact call counts and timings), and
`test_docs_hold_the_generated_matrix` holds docs/fault-matrix.md to the table. Regenerate the docs:

    STUDIOGATE_WRITE_FAULT_MATRIX=1 ../../.venv/bin/python -m pytest -q -p no:cacheprovider tests/test_fault_matrix.py
    # or, after a full run: ../../.venv/bin/python tests/test_fault_matrix.py --write-docs
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
OUTPUT = REPO / "test-output"
DOCS = REPO / "docs" / "fault-matrix.md"
GENERATED = OUTPUT / "fault-matrix.md"
OBSERVED = OUTPUT / "fault-matrix-observed.json"
DOMAIN = "d-7ac2bcf8fc16"
IDC_STUDIO = "es-B2283EC9EFEAE14EAF53BA4F0"
# At most this many calls of one operation in one login: retries stop at the budget (backoff from
# 100 ms, doubling, capped at 2 s, full jitter: about 7 attempts in 3 s, 12 in 8 s).
MAX_CALLS = {"login": 25, "presign": 40}


@dataclasses.dataclass(frozen=True)
class Op:
    key: str            # the cell id's first part
    operation: str      # service:Operation, as the fault book and the call log name it
    label: str          # for the table
    path: str           # "login" or "presign" (whose budget bounds the retries)
    tile: str           # the IdP tile whose login reaches the operation
    filters: tuple = ()  # (("network", "internet"),): the fault and the count apply to those calls only
    bound_ms: int = 0    # the limit on this call: the client's timeout or the budget around it
    wait_ms: int = 0     # how long the waiting client waits before giving up on an unanswered call


LOGIN, PRESIGN = "login", "presign"
OPS = [
    Op("replay-put", "dynamodb:PutItem", "DynamoDB PutItem (replay, saml-validator)", LOGIN, "sagemaker-user",
       (("network", "internet"),), 3000, 3000),
    Op("assume-role", "sts:AssumeRoleWithSAML", "STS AssumeRoleWithSAML", LOGIN, "sagemaker-user", (), 3000, 3000),
    Op("generate-mac", "kms:GenerateMac", "KMS GenerateMac (seal)", LOGIN, "sagemaker-user", (), 2000, 2000),
    Op("invoke", "lambda:Invoke", "Lambda Invoke (presign)", LOGIN, "sagemaker-user", (), 3000, 13000),
    Op("verify-mac", "kms:VerifyMac", "KMS VerifyMac (seal check)", PRESIGN, "sagemaker-user", (), 2000, 2000),
    Op("seal-put", "dynamodb:PutItem", "DynamoDB PutItem (seal ledger, presign)", PRESIGN, "sagemaker-user",
       (("network", "dynamodb"),), 2000, 2000),
    Op("caller-identity", "sts:GetCallerIdentity", "STS GetCallerIdentity", PRESIGN, "sagemaker-user",
       (("network", "sts"),), 8000, 13000),
    Op("describe-profile", "sagemaker:DescribeUserProfile", "SageMaker DescribeUserProfile", PRESIGN, "sagemaker-user",
       (), 8000, 13000),
    Op("create-profile", "sagemaker:CreateUserProfile", "SageMaker CreateUserProfile", PRESIGN, "sagemaker-user",
       (), 8000, 13000),
    Op("presigned-url", "sagemaker:CreatePresignedDomainUrl", "SageMaker CreatePresignedDomainUrl", PRESIGN,
       "sagemaker-user", (), 8000, 13000),
    Op("describe-studio", "elasticmapreduce:DescribeStudio", "EMR DescribeStudio (IAM Studio)", PRESIGN, "emr-iam",
       (), 8000, 13000),
    Op("signin-token", "signin:GetSigninToken", "console federation getSigninToken", PRESIGN, "emr-iam",
       (), 8000, 10000),
    Op("idc-user", "identitystore:GetUserId", "Identity Store GetUserId (IdC Studio)", PRESIGN, "emr-idc",
       (), 8000, 13000),
    Op("get-mapping", "elasticmapreduce:GetStudioSessionMapping", "EMR GetStudioSessionMapping", PRESIGN, "emr-idc",
       (), 8000, 13000),
    Op("create-mapping", "elasticmapreduce:CreateStudioSessionMapping", "EMR CreateStudioSessionMapping", PRESIGN,
       "emr-idc", (), 8000, 13000),
]
KINDS = ["throttle", "error500", "reset", "timeout", "latency"]
REPEATING = {"throttle", "error500", "reset"}   # once, then until cleared
KIND_LABEL = {"throttle": "throttling", "error500": "5xx (500)", "reset": "connection reset",
              "timeout": "timeout", "latency": "latency past the budget"}

# Cells that show a product bug: xfail(strict=True) with what was observed. Empty: the matrix found
# two, both fixed (presign now retries kms:VerifyMac within the seal's time, and the federation
# client reads HTTP 429 as throttling, retried, not as a refusal).
KNOWN_BUGS: dict[str, str] = {}


def latency_ms(op: Op, kind: str) -> int:
    if kind == "timeout":
        return op.wait_ms + 500       # no answer for longer than the waiting client waits
    if kind == "latency":
        return op.bound_ms + 500      # an answer just past the limit on the call
    return 0


def cell_ids() -> list[str]:
    return [f"{op.key}-{kind}" for op in OPS for kind in KINDS]


def find_cell(cell_id: str) -> tuple[Op, str]:
    for op in OPS:
        for kind in KINDS:
            if f"{op.key}-{kind}" == cell_id:
                return op, kind
    raise KeyError(cell_id)


def estimate(cell_id: str) -> float:
    op, kind = find_cell(cell_id)
    budget = 3 if op.path == LOGIN else 8
    if kind in REPEATING:
        return 6 + budget
    return 7 + latency_ms(op, kind) / 1000


# ----------------------------------------------------------------- the stacks
def start_stacks(count: int) -> list:
    """`count` local stacks (as conftest's `stack`, each with its own ports and log folder)."""
    from conftest import LocalStack

    processes = []
    for index in range(count):
        log_dir = OUTPUT / "fault-matrix" / f"stack-{index}"
        command = [sys.executable, "-W", "ignore", "-m", "studiogate_local", "stack", "--ports", "auto",
                   "--log-dir", str(log_dir), "--quiet"]
        processes.append(subprocess.Popen(command, cwd=REPO / "tests/local", stdout=subprocess.PIPE, text=True,
                                          start_new_session=True))
    stacks = []
    for process in processes:
        ready = None
        for line in process.stdout:
            if line.startswith("STACK_READY="):
                ready = json.loads(line.removeprefix("STACK_READY="))
                break
        if ready is None:
            stop_stacks(processes)
            pytest.fail("a local stack for the fault matrix did not start; see test-output/fault-matrix/")
        stack = LocalStack(ready)
        stack.process = process
        stacks.append(stack)
    return stacks


def stop_stacks(processes) -> None:
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# ----------------------------------------------------------------- one cell
def heading(page: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page or "")
    return html.unescape(match.group(1)) if match else ""


class LogCursor:
    """New lines of a function's log since the cursor was placed."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def lines(self) -> list[str]:
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            return log.read().decode("utf-8", errors="replace").splitlines()


def login_audits(lines: list[str]) -> list[dict]:
    found = []
    for line in lines:
        if '"message":"login"' in line:
            fields = json.loads(line)["fields"]
            found.append({"outcome": fields.get("outcome"), **json.loads(fields.get("audit", "{}"))})
    return found


def presign_reasons(lines: list[str]) -> list[str]:
    found = []
    for line in lines:
        if '"presign outcome"' in line:
            outcome = json.loads(json.loads(line)["fields"]["audit"])["outcome"]
            found.append(outcome)
        elif '"presign request refused"' in line:
            found.append(json.loads(line)["fields"].get("reason", "refused"))
    return found


def matching_calls(calls: list[dict], op: Op) -> list[dict]:
    service, operation = op.operation.split(":")
    wanted = dict(op.filters)
    return [c for c in calls if (c["service"], c["operation"]) == (service, operation)
            and all(c.get(k) == v for k, v in wanted.items())]


def attempt(stack, op: Op, user: str, fault: dict | None, settle_ms: int = 0) -> dict:
    """One login of `user` on the op's tile with `fault` set (or none): what the user saw, the audit
    reasons, the calls of the operation."""
    calls_before = len(stack.calls())
    logs = {name: LogCursor(stack.logs[name]) for name in ("saml-validator", "presign")}
    if fault:
        stack.control("POST", "/faults", {"operation": op.operation, **dict(op.filters), **fault})
    started = time.monotonic()
    try:
        status, headers, page = stack.login(user, op.tile)
    except Exception as error:   # no answer at all is an answer too: recorded, never hidden
        status, headers, page = None, {}, repr(error)
    seconds = time.monotonic() - started
    # An unanswered call ends (and presign writes its line) only when the fault's wait ends: wait
    # for its entry in the call log; a slow call that the waiting client gave up on, for its wait.
    if fault and fault.get("kind") == "timeout":
        deadline = started + settle_ms / 1000 + 8
        while time.monotonic() < deadline and not any(
                c["outcome"] == "Timeout" for c in matching_calls(stack.calls()[calls_before:], op)):
            time.sleep(0.2)
        time.sleep(0.5)
    elif settle_ms:
        time.sleep(max(0.0, settle_ms / 1000 + 2.5 - (time.monotonic() - started)))
    stack.control("DELETE", "/faults")
    calls = matching_calls(stack.calls()[calls_before:], op)
    audits = login_audits(logs["saml-validator"].lines())
    return {
        "user": user,
        "fault": fault,
        "status": status,
        "heading": heading(page) if status != 302 else "",
        "retry_after": headers.get("retry-after"),
        "reason": audits[-1]["outcome"] if audits else None,
        "change": audits[-1].get("change") if audits else None,
        "presign": presign_reasons(logs["presign"].lines()),
        "calls": len(calls),
        "outcomes": [c["outcome"] for c in calls],
        "seconds": round(seconds, 2),
    }


def state(stack, world: dict) -> dict:
    """What exists now: SageMaker profiles (name -> status) and the IdC Studio's session mappings."""
    sagemaker = stack.client("sagemaker")
    profiles = [p["UserProfileName"] for p in sagemaker.list_user_profiles(DomainIdEquals=DOMAIN)["UserProfiles"]]
    statuses = {name: sagemaker.describe_user_profile(DomainId=DOMAIN, UserProfileName=name)["Status"] for name in profiles}
    names = {identity: name for name, identity in world["identity_store"]["users"].items()}
    mappings = stack.client("emr").list_studio_session_mappings(StudioId=IDC_STUDIO)["SessionMappings"]
    creates: dict[str, int] = {}
    for call in stack.calls("sagemaker:CreateUserProfile"):
        if call["outcome"] == "ok":
            creates[call["params"]["UserProfileName"]] = creates.get(call["params"]["UserProfileName"], 0) + 1
    return {"profiles": sorted(profiles), "statuses": statuses, "successful_creates": creates,
            "mappings": sorted(names.get(m["IdentityId"], m["IdentityId"]) for m in mappings)}


def run_cell(stack, cell_id: str) -> dict:
    op, kind = find_cell(cell_id)
    started = time.monotonic()
    world = stack.fresh_world()
    result: dict = {"cell": cell_id, "operation": op.operation, "label": op.label, "kind": kind, "path": op.path}
    if kind in REPEATING:
        result["once"] = attempt(stack, op, "bob", {"kind": kind, "count": 1})
        result["failing"] = attempt(stack, op, "alice", {"kind": kind})
    else:
        ms = latency_ms(op, kind)
        result["failing"] = attempt(stack, op, "alice", {"kind": kind, "count": 1, "latency_ms": ms}, settle_ms=ms)
    result["left"] = state(stack, world)
    result["next"] = attempt(stack, op, "alice", None)
    result["after"] = state(stack, world)
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


# ----------------------------------------------------------------- the table
# Call log outcomes of a faulted call (tests/emulator/studiogate_emulator/faults.py).
FAULTED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "TooManyRequests", "InternalFailure",
           "ServiceUnavailable", "ConnectionReset", "Timeout"}


def retried_once(answer: dict) -> bool:
    """The first call of the operation failed and the next one was answered."""
    return answer["calls"] >= 2 and answer["outcomes"][0] in FAULTED and answer["outcomes"][1] not in FAULTED


def page_of(answer: dict) -> str:
    if answer["status"] == 302:
        return "302 (signed in)"
    if answer["status"] is None:
        return "no answer"
    return f"{answer['status']} “{answer['heading']}”"


def calls_of(answer: dict, kind: str) -> str:
    """Stable words for the table (the exact counts vary with the jitter: see the observed file)."""
    n = answer["calls"]
    if n == 0:
        return "not reached"
    if n == 1:
        return "1 (no retry)"
    if kind not in REPEATING:
        return f"{n} (the first {'slow' if kind == 'latency' else 'unanswered'})"
    return "2+: retried until the budget"


def left_behind(cell: dict) -> str:
    left, parts = cell["left"], []
    for name in left["profiles"]:
        if name == "alice":
            parts.append(f"alice's profile ({left['statuses'][name]})")
    if "alice@example.com" in left["mappings"]:
        parts.append("alice's session mapping")
    return ", ".join(parts) or "nothing"


def next_of(cell: dict) -> str:
    answer = cell["next"]
    words = page_of(answer)
    if answer["status"] == 302 and answer["change"]:
        words = f"302 ({answer['change']})"
    return words


def row(cell: dict) -> str:
    failing = cell["failing"]
    once = "—"
    if "once" in cell:
        once = page_of(cell["once"]) + (" after 1 retry" if retried_once(cell["once"]) else ", not retried")
    presign = ", ".join(dict.fromkeys(failing["presign"])) or "—"
    op, kind = find_cell(cell["cell"])
    fault = KIND_LABEL[kind] + (f" {latency_ms(op, kind) / 1000:g} s" if kind in ("timeout", "latency") else "")
    return (f"| {cell['label']} | {fault} | {once} | {page_of(failing)} | {failing['reason'] or '—'} | {presign} | "
            f"{calls_of(failing, kind)} | {left_behind(cell)} | {next_of(cell)} |")


def table(cells: dict) -> str:
    lines = [
        "# The fault matrix",
        "",
        "Generated by `tests/local/tests/test_fault_matrix.py` (do not edit: a test holds this file to",
        "what the run produced; regenerate with `STUDIOGATE_WRITE_FAULT_MATRIX=1` on that test, see its",
        "docstring). Every AWS operation on the login and presign paths, through the whole local stack",
        "(IAM enforced), with one fault each, injected by the emulator (`tests/emulator`, `POST",
        "/_emulator/faults`). Columns:",
        "",
        "- **once**: the fault on the next call only (as bob): the retry carries the login through.",
        "- **failing**: the fault until cleared (throttling, 5xx, reset) or once (timeout: no answer, then",
        "  a closed connection, for longer than the waiting client waits; latency: an answer just past",
        "  the limit on the call) — what alice's browser gets, the `login` audit record's outcome, presign's",
        "  own audit outcome or refusal reason, and how many calls of the operation the call log shows.",
        "- **left behind**: what exists after the failed try; **next try**: alice again, fault cleared",
        "  (with presign's `change`). After it, every cell checks no half-made state: each profile name",
        "  once, at most one successful CreateUserProfile per name, alice's profile InService, at most one",
        "  session mapping per identity.",
        "",
        "Limits (`examples/local/studiogate.toml`, the code): `login.budget_seconds` = 3 (one deadline for",
        "the replay write, which may take its first half, and STS, each attempt cut off at it); sealing and",
        "the seal ledger: 2 s each, retries included; saml-validator",
        "waits 13 s (presign's budget + 5) for presign; `presign.budget_seconds` = 8; the console",
        "federation client: 10 s. Retries: exponential backoff with full jitter inside the budget (the",
        "SDK's own retries are off); exact counts of the last run: `test-output/fault-matrix-observed.json`.",
        "",
        "| operation | fault | once | failing: user sees | audit (login) | presign | calls | left behind | next try |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [row(cells[cell_id]) for cell_id in cell_ids() if cell_id in cells]
    lines += [
        "",
        "**SSM GetParameter at cold start** is not in the table: the local stack gives both functions",
        "their configuration as a file (`STUDIOGATE_CONFIG_FILE`), so neither calls SSM. The SSM load path",
        "(`STUDIOGATE_CONFIG_PARAMETER`, the IdP metadata and SP key parameters) is exercised without faults",
        "by `tests/integration/deployment.rs`. In the code (`crates/aws/src/ssm.rs`), each parameter read",
        "retries a throttled, failed (5xx) or lost read with backoff, all within 4 s (the SDK's own retries",
        "are off); past that the cold start fails (`configuration rejected`) and Lambda retries the init on",
        "the next invocation.",
        "",
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------- the run
_RESULTS: dict[str, dict] = {}
_LOCK = threading.Lock()


@pytest.fixture(scope="module")
def matrix(request):
    wanted = [item.callspec.params["cell_id"] for item in request.session.items
              if item.module is request.module and hasattr(item, "callspec") and "cell_id" in item.callspec.params]
    if not wanted:
        return _RESULTS
    count = max(1, min(int(os.environ.get("STUDIOGATE_FAULT_MATRIX_STACKS", "9")), len(wanted)))
    started = time.monotonic()
    stacks = start_stacks(count)
    ready = time.monotonic()
    free = list(stacks)
    try:
        def work(cell_id: str) -> None:
            with _LOCK:
                stack = free.pop()
            try:
                result = run_cell(stack, cell_id)
            except Exception as error:   # a cell that could not run is reported by its test
                result = {"cell": cell_id, "error": repr(error)}
            finally:
                with _LOCK:
                    free.append(stack)
            with _LOCK:
                _RESULTS[cell_id] = result

        with ThreadPoolExecutor(max_workers=count) as pool:
            list(pool.map(work, sorted(wanted, key=estimate, reverse=True)))
    finally:
        stop_stacks([s.process for s in stacks])
    OUTPUT.mkdir(exist_ok=True)
    complete = {k: v for k, v in _RESULTS.items() if "error" not in v}
    GENERATED.write_text(table(complete), encoding="utf-8")
    OBSERVED.write_text(json.dumps({"stacks": count, "start_seconds": round(ready - started, 1),
                                    "run_seconds": round(time.monotonic() - ready, 1),
                                    "cells": [_RESULTS[k] for k in cell_ids() if k in _RESULTS]}, indent=1), encoding="utf-8")
    print(f"\nfault matrix: {len(wanted)} cells on {count} stacks: started in {ready - started:.1f}s, "
          f"ran in {time.monotonic() - ready:.1f}s; {GENERATED}")
    return _RESULTS


def _params():
    for cell_id in cell_ids():
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[cell_id])] if cell_id in KNOWN_BUGS else []
        yield pytest.param(cell_id, id=cell_id, marks=marks)


TRY_AGAIN = {"Please try again in a minute", "Your workspace is being prepared"}


@pytest.mark.parametrize("cell_id", list(_params()))
def test_fault_cell(matrix, cell_id):
    cell = matrix[cell_id]
    assert "error" not in cell, cell.get("error")
    op, kind = find_cell(cell_id)
    failing, after = cell["failing"], cell["after"]
    summary = json.dumps({k: cell[k] for k in ("once", "failing", "next") if k in cell}, indent=1)

    if "once" in cell:
        once = cell["once"]
        assert once["status"] == 302, f"one {kind} is retried and the login completes:\n{summary}"
        assert retried_once(once), f"one failed call, then its retry answered:\n{summary}"
    # What the user sees for a fault that outlasts the retries: a 302 (it was absorbed) or the
    # try-again page with Retry-After; never a 5xx of another kind, a refusal, or no answer.
    assert failing["status"] in (302, 503), f"{kind} on {op.operation}:\n{summary}"
    if failing["status"] == 503:
        assert failing["heading"] in TRY_AGAIN and failing["retry_after"], summary
    assert failing["reason"], f"an audit record for every login:\n{summary}"
    assert 1 <= failing["calls"] <= MAX_CALLS[op.path], f"retries are bounded:\n{summary}"
    if kind in REPEATING and failing["status"] == 503:
        assert failing["calls"] >= 2, f"a fault that lasts is retried before the user is told:\n{summary}"

    nxt = cell["next"]
    assert nxt["status"] == 302, f"the next try, fault cleared, signs in:\n{summary}"
    # No half-made state.
    assert len(after["profiles"]) == len(set(after["profiles"])), after
    assert all(n <= 1 for n in after["successful_creates"].values()), f"a second profile was created: {after}"
    assert set(after["profiles"]) <= {"alice", "bob"}, after
    if op.tile.startswith("sagemaker"):
        assert after["statuses"].get("alice") == "InService", f"alice's profile is completed by the next login: {after}"
    assert len(after["mappings"]) == len(set(after["mappings"])), f"one session mapping per identity: {after}"
    if op.tile == "emr-idc":
        assert "alice@example.com" in after["mappings"], after


def test_docs_hold_the_generated_matrix(matrix):
    if set(matrix) != set(cell_ids()) or any("error" in c for c in matrix.values()):
        pytest.skip("the docs table is compared only after a run of every cell")
    generated = GENERATED.read_text(encoding="utf-8")
    if os.environ.get("STUDIOGATE_WRITE_FAULT_MATRIX") == "1":
        DOCS.write_text(generated, encoding="utf-8")
    assert DOCS.exists() and DOCS.read_text(encoding="utf-8") == generated, (
        f"docs/fault-matrix.md differs from what this run produced ({GENERATED}). If the change is intended, "
        "regenerate it: cd tests/local && STUDIOGATE_WRITE_FAULT_MATRIX=1 ../../.venv/bin/python -m pytest -q "
        "-p no:cacheprovider tests/test_fault_matrix.py (or, after a full run, "
        "../../.venv/bin/python tests/test_fault_matrix.py --write-docs)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-docs"]:
        DOCS.write_text(GENERATED.read_text(encoding="utf-8"), encoding="utf-8")
        print(f"{DOCS} <- {GENERATED}")
    else:
        print(__doc__)
