"""Logins that arrive together (issue 14 item 4), over HTTP through the whole local stack: the
emulator's DynamoDB decides the replay table's conditional PutItem as production's does (one
conditional write per assertion: `attribute_not_exists(pk) OR expires_at < :now`), its SageMaker
answers a second CreateUserProfile of one name with ResourceInUse, and both functions run on the
local Lambda service with its concurrency limit (tests/lambda: 10 environments per function; past
that an invocation waits for one to come free, up to the function's timeout, then gets a 429).

Every burst is released by a `threading.Barrier`, so the POSTs really start together, and every
answer is read as a user would see it: the status and the page's <h1> (crates/studiogate/src/copy.rs).
The 100-user burst's latency distribution is written to test-output/concurrency.json (and printed),
for BENCHMARKS.md; nothing here asserts on timing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import statistics
import time

import pytest

from conftest import OUTPUT
from studiogate_local.perf import percentile, released_together

DOMAIN = "d-7ac2bcf8fc16"                  # the default world's SageMaker domain
ISSUER = "https://idp.example.test/saml"   # examples/local/idp.json
REPLAY_TABLE = "studiogate-replay"         # examples/local/studiogate.toml, login.replay_table
# copy.rs: a replayed assertion gets the "Expired" page with the REPLAYED explanation; a profile not
# yet InService the "Preparing" page.
REPLAYED_HEADING, REPLAYED_TEXT = "This sign-in has expired", "This sign-in was already used"
PREPARING_HEADING = "Your workspace is being prepared"


# ----- helpers
def heading(page: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page)
    return match.group(1) if match else ""


def burst(stack, forms: list[dict]) -> tuple[list[dict], float]:
    """POSTs every form to the ACS at once (one thread each, released together by a barrier).
    Returns each answer (status, heading, location, client ms) in the order of `forms`, and the
    burst's wall time in ms."""

    def post(posted: dict) -> dict:
        started = time.perf_counter()
        try:
            status, headers, page = stack.post_acs(posted)
        except Exception as error:   # a dropped connection is an answer too: recorded, not hidden
            return {"status": None, "error": repr(error), "ms": (time.perf_counter() - started) * 1000}
        return {"status": status, "heading": heading(page), "location": headers.get("location"),
                "retry_after": headers.get("retry-after"), "replayed": REPLAYED_TEXT in page,
                "page": page[:500],
                "ms": (time.perf_counter() - started) * 1000}

    return released_together([functools.partial(post, posted) for posted in forms])


def outcome(answer: dict) -> str:
    """What the user saw, in a word or a heading."""
    if answer["status"] is None:
        return f"no answer: {answer['error']}"
    if answer["status"] == 302:
        return "redirect"
    return f"{answer['status']} {answer['heading'] or answer.get('page', '')[:200]}"


def tally(answers: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for answer in answers:
        counts[outcome(answer)] = counts.get(outcome(answer), 0) + 1
    return counts


def assertion_id(posted: dict) -> str:
    xml = base64.b64decode(posted["SAMLResponse"]).decode()
    (found,) = re.findall(r"<(?:\w+:)?Assertion\b[^>]*\bID=\"([^\"]+)\"", xml)
    return found


def replay_key(posted: dict) -> str:
    """The replay table's key of an assertion (crates/studiogate/src/login/replay.rs, replay_key)."""
    return hashlib.sha256(f"{ISSUER}\n{assertion_id(posted)}".encode()).hexdigest()


def consumed_assertions(stack) -> list[str]:
    """The replay table's assertion entries (SHA-256 hex keys), sorted; entries of other kinds
    (presign's seal spends, `seal#...`) are not assertions and are left out."""
    dynamodb, keys, start = stack.client("dynamodb"), [], {}
    while True:
        page = dynamodb.scan(TableName=REPLAY_TABLE, **start)
        keys += [item["pk"]["S"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return sorted(k for k in keys if re.fullmatch(r"[0-9a-f]{64}", k))
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def replay_writes(stack, world) -> list[dict]:
    """saml-validator's conditional PutItems (consuming assertions)."""
    validator = world["function_credentials"]["saml-validator"]["arn"]
    return [c for c in stack.calls("dynamodb:PutItem") if (c["signer"] or {}).get("arn") == validator]


def profiles(stack) -> list[str]:
    sagemaker, names, token = stack.client("sagemaker"), [], {}
    while True:
        page = sagemaker.list_user_profiles(DomainIdEquals=DOMAIN, MaxResults=100, **token)
        names += [p["UserProfileName"] for p in page["UserProfiles"]]
        if not page.get("NextToken"):
            return names
        token = {"NextToken": page["NextToken"]}


def creates_by_profile(stack) -> dict[str, list[str]]:
    """Each profile name's CreateUserProfile calls, by outcome ("ok", "ResourceInUse", ...)."""
    found: dict[str, list[str]] = {}
    for call in stack.calls("sagemaker:CreateUserProfile"):
        found.setdefault(call["params"]["UserProfileName"], []).append(call["outcome"])
    return found


def distribution(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "min": round(min(values), 1), "p50": round(percentile(values, .5), 1),
            "p90": round(percentile(values, .9), 1), "p99": round(percentile(values, .99), 1),
            "max": round(max(values), 1), "mean": round(statistics.fmean(values), 1)}


def invocation_marks(stack) -> dict[str, dict[str, int]]:
    """Per function and environment, how many invocations the Lambda service has recorded."""
    return {name: {e["id"]: len(e["invocations"]) for e in function["environments"]}
            for name, function in stack.lambda_stats().items()}


def invocations_since(stack, marks: dict) -> dict[str, dict]:
    """Per function: the invocations after `marks`, the environments they ran in, throttles."""
    out = {}
    for name, function in stack.lambda_stats().items():
        records, used = [], 0
        for environment in function["environments"]:
            new = environment["invocations"][marks.get(name, {}).get(environment["id"], 0):]
            records += new
            used += bool(new)
        out[name] = {"records": records, "environments_used": used, "throttles": function["throttles"],
                     "concurrency": function["concurrency"]}
    return out


def audits_since(stack, lines_before: int) -> list[dict]:
    """saml-validator's audit records ("login") written after the first `lines_before` log lines."""
    found = []
    for line in stack.logs["saml-validator"].read_text(encoding="utf-8", errors="replace").splitlines()[lines_before:]:
        if '"message":"login"' in line:
            found.append(json.loads(json.loads(line)["fields"]["audit"]))
    return found


def log_length(stack) -> int:
    return len(stack.logs["saml-validator"].read_text(encoding="utf-8", errors="replace").splitlines())


# ----- the scenarios
def test_one_assertion_posted_20_times_at_once_opens_studio_once(stack, world):
    """One assertion, 20 simultaneous POSTs (a double-clicking user, or a replay racing the user):
    the conditional PutItem lets exactly one through; the 19 others get the "already used" page and
    reach neither STS nor presign."""
    posted = stack.sign_in("alice", "sagemaker-user")
    answers, _ = burst(stack, [posted] * 20)
    counts = tally(answers)
    print(f"\n20 x one assertion: {counts}")

    assert counts == {"redirect": 1, f"403 {REPLAYED_HEADING}": 19}, counts
    assert all(a["replayed"] for a in answers if a["status"] == 403), "the page says it was already used"
    (redirect,) = [a for a in answers if a["status"] == 302]
    assert stack.resolve(redirect["location"])["user_profile_name"] == "alice"

    # Every POST tried to consume the assertion (the validator accepted it each time); the table
    # holds it once; only the one that won went on to STS and presign.
    assert len(replay_writes(stack, world)) == 20
    assert consumed_assertions(stack) == [replay_key(posted)]
    assert len(stack.calls("sts:AssumeRoleWithSAML")) == 1
    assert len(stack.calls("lambda:Invoke")) == 1
    assert len(stack.calls("sagemaker:CreatePresignedDomainUrl")) == 1
    assert creates_by_profile(stack) == {"alice": ["ok"]}


@pytest.mark.parametrize("create_ms", [0, 500], ids=["as-emulated", "slow-create"])
def test_20_simultaneous_first_logins_of_one_new_user_make_one_profile(stack, world, create_ms):
    """bob, new in this world, clicks 20 times at once (20 distinct assertions). Each answer is a
    URL into bob's one profile or "being prepared"; none is an error. With CreateUserProfile taking
    0.5 s (an emulator latency fault: SageMaker's own takes that long or longer), the presigns that
    run together all find no profile and all create it: one wins, the others get ResourceInUse and
    wait for the winner's profile (the lost-race path of targets/sagemaker/flow.rs)."""
    if create_ms:
        stack.control("POST", "/faults", {"operation": "sagemaker:CreateUserProfile", "kind": "latency",
                                          "latency_ms": create_ms})
    forms = [stack.sign_in("bob", "sagemaker-user") for _ in range(20)]
    assert len({assertion_id(f) for f in forms}) == 20
    answers, _ = burst(stack, forms)
    counts = tally(answers)
    creates = creates_by_profile(stack)
    print(f"\n20 first logins of bob (CreateUserProfile +{create_ms} ms): {counts}; "
          f"CreateUserProfile outcomes: {creates}")

    assert set(counts) <= {"redirect", f"503 {PREPARING_HEADING}"}, counts
    for answer in answers:
        if answer["status"] == 302:
            assert stack.resolve(answer["location"])["user_profile_name"] == "bob"
        else:
            assert answer["retry_after"] == "30"
    assert profiles(stack) == ["bob"]
    assert creates["bob"].count("ok") == 1, creates
    assert set(creates["bob"]) <= {"ok", "ResourceInUse"}, creates
    if create_ms:
        assert "ResourceInUse" in creates["bob"], f"the race was not run: {creates}"
    assert consumed_assertions(stack) == sorted(replay_key(f) for f in forms)
    assert len(replay_writes(stack, world)) == 20
    assert len(stack.calls("sts:AssumeRoleWithSAML")) == 20


def test_100_new_users_at_once_get_100_profiles_and_no_error(stack, world):
    """100 distinct new users (the IdP's `subject` knob: bob's groups and roles, names burst000-099)
    log in at the same moment. Each gets a URL into their own new profile; the replay table holds
    the 100 assertions; SageMaker saw exactly one CreateUserProfile per user. The latency
    distribution (client side, from the barrier's release) and what the Lambda service did with the
    burst go to test-output/concurrency.json."""
    users = [f"burst{index:03d}" for index in range(100)]
    signing = time.perf_counter()
    forms = [stack.sign_in("bob", "sagemaker-user", subject=user) for user in users]
    signing_ms = (time.perf_counter() - signing) * 1000
    marks, lines_before = invocation_marks(stack), log_length(stack)

    answers, wall_ms = burst(stack, forms)

    counts = tally(answers)
    creates = creates_by_profile(stack)
    lambda_seen = invocations_since(stack, marks)
    audits = audits_since(stack, lines_before)
    client_ms = [a["ms"] for a in answers]
    report = {
        "what": "100 distinct new users (SageMaker Studio tile, profile created) posted to the ACS at once "
                "through the local stack (debug builds on the local Lambda service, Python emulator with IAM "
                "enforced, DynamoDB conditional writes); ms from the barrier's release to the answer",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "outcomes": counts,
        "burst_wall_ms": round(wall_ms, 1),
        "client_ms": distribution(client_ms),
        "validator_latency_ms": distribution([float(a["latency_ms"]) for a in audits if "latency_ms" in a]),
        "lambda": {
            name: {
                "concurrency_limit": seen["concurrency"],
                "environments_used": seen["environments_used"],
                "invocations": len(seen["records"]),
                "cold_starts": sum(1 for r in seen["records"] if r["cold"]),
                "outcomes": {o: sum(1 for r in seen["records"] if r["outcome"] == o)
                             for o in sorted({r["outcome"] for r in seen["records"]})},
                "throttles_total": seen["throttles"],
                "queued_ms": distribution([r["queued_ms"] for r in seen["records"] if r.get("queued_ms") is not None]),
                "duration_ms": distribution([r["duration_ms"] for r in seen["records"] if r.get("duration_ms") is not None]),
                "total_ms": distribution([r["total_ms"] for r in seen["records"] if r.get("total_ms") is not None]),
            }
            for name, seen in lambda_seen.items()
        },
        "lambda_note": "the local Lambda service runs at most `concurrency_limit` environments per function and "
                       "queues the rest for up to the function's timeout (then 429); AWS Lambda queues no synchronous "
                       "invocation: it starts an environment per concurrent request (1,000 per 10 s per function, "
                       "within the account's concurrency quota) and throttles with 429 past that",
        "create_user_profile_calls": sum(len(v) for v in creates.values()),
        "signing_ms_for_100_assertions": round(signing_ms, 1),
    }
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "concurrency.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print("\n100 new users at once:\n" + json.dumps(report, indent=2))

    assert counts == {"redirect": 100}, counts
    opened = {stack.resolve(a["location"])["user_profile_name"] for a in answers}
    assert opened == set(users), "each user lands in their own profile"
    assert sorted(profiles(stack)) == users
    assert creates == {user: ["ok"] for user in users}, "one CreateUserProfile per user"
    assert consumed_assertions(stack) == sorted(replay_key(f) for f in forms)
    assert len(replay_writes(stack, world)) == 100
