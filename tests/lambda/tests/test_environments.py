"""Execution environments as Lambda runs them: cold start then warm reuse, one environment per
concurrent invocation up to the limit, throttling past it, timeouts and crashes end the environment,
init errors, the process environment, the Runtime API's headers, and the numbers /_lambda/stats gives."""

from __future__ import annotations

import base64
import json
import pathlib
import re
import threading
import time

import pytest
import requests

from conftest import REPO, pid_alive


def test_the_first_invocation_starts_an_environment_and_the_next_reuses_it(lambda_service):
    running = lambda_service({"name": "echo"})
    first = running.invoke("echo", {"n": 1})
    second = running.invoke("echo", {"n": 2})
    assert first.status_code == second.status_code == 200
    one, two = first.json(), second.json()
    assert one["event"] == {"n": 1} and two["event"] == {"n": 2}
    assert one["pid"] == two["pid"] and (one["count"], two["count"]) == (1, 2), "the same process served both"
    stats = running.stats("echo")
    (environment,) = stats["environments"]
    assert [r["cold"] for r in environment["invocations"]] == [True, False]
    assert (stats["invocations"], stats["cold_starts"]) == (2, 1)


def test_concurrent_invocations_get_their_own_environments(lambda_service):
    running = lambda_service({"name": "slow", "timeout": 10})
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(running.invoke("slow", {"action": "sleep", "seconds": 0.6})))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200, 200]
    assert len({a.json()["pid"] for a in answers}) == 2, "two environments"
    assert running.stats("slow")["cold_starts"] == 2
    # Both stay warm: two more concurrent invocations start nothing.
    answers.clear()
    threads = [threading.Thread(target=lambda: answers.append(running.invoke("slow", {"action": "sleep", "seconds": 0.3})))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert running.stats("slow")["cold_starts"] == 2 and len(running.stats("slow")["environments"]) == 2


def test_past_the_concurrency_limit_an_invocation_waits_then_is_throttled(lambda_service):
    running = lambda_service({"name": "one", "concurrency": 1, "timeout": 10, "queue_timeout": 0.3})
    busy = threading.Thread(target=running.invoke, args=("one", {"action": "sleep", "seconds": 1.5}))
    busy.start()
    time.sleep(0.5)
    started = time.monotonic()
    throttled = running.invoke("one", {"n": 1})
    waited = time.monotonic() - started
    assert throttled.status_code == 429
    assert throttled.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert throttled.json() == {"Type": "User", "message": "Rate Exceeded.",
                                "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}
    assert 0.25 <= waited < 1.0, "it waited the queue timeout, not for the busy invocation"
    url = requests.get(f"{running.url}/lambda-url/one/echo", timeout=10)
    assert url.status_code == 429, "the function URL is throttled too"
    busy.join()
    assert running.stats("one")["throttles"] == 2
    assert running.invoke("one", {"n": 2}).status_code == 200, "free again"


def test_an_invocation_that_finds_the_environment_busy_waits_for_it_within_the_queue_timeout(lambda_service):
    running = lambda_service({"name": "one", "concurrency": 1, "timeout": 10})
    busy = threading.Thread(target=running.invoke, args=("one", {"action": "sleep", "seconds": 0.5}))
    busy.start()
    time.sleep(0.2)
    answer = running.invoke("one", {"n": 1})
    busy.join()
    assert answer.status_code == 200 and answer.json()["count"] == 2, "queued, then served by the same environment"
    (record,) = [r for r in running.stats("one")["environments"][0]["invocations"] if not r["cold"]]
    assert record["queued_ms"] > 100


def test_a_timed_out_invocation_is_an_error_and_its_environment_is_replaced(lambda_service):
    running = lambda_service({"name": "slow", "timeout": 1})
    first_pid = running.invoke("slow", {}).json()["pid"]
    started = time.monotonic()
    answer = running.invoke("slow", {"action": "hang"})
    elapsed = time.monotonic() - started
    assert answer.status_code == 200 and answer.headers["X-Amz-Function-Error"] == "Unhandled"
    error = answer.json()
    assert error["errorType"] == "Sandbox.Timedout"
    assert re.fullmatch(r"RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds", error["errorMessage"])
    assert error["errorMessage"].split()[1] == answer.headers["x-amzn-RequestId"]
    # The hang never ends on its own: under 4 s is the 1 s timeout, with room for a loaded machine.
    assert 1.0 <= elapsed < 4.0
    deadline = time.time() + 5
    while pid_alive(first_pid) and time.time() < deadline:
        time.sleep(0.05)
    assert not pid_alive(first_pid), "the timed-out environment's process was killed"
    after = running.invoke("slow", {})
    assert after.status_code == 200 and after.json()["pid"] != first_pid and after.json()["count"] == 1
    stats = running.stats("slow")
    assert stats["timeouts"] == 1 and stats["cold_starts"] == 2
    assert stats["environments"][0]["exit"]["signal"] == "SIGKILL"


def test_a_function_error_is_returned_with_the_unhandled_header_and_the_environment_stays(lambda_service):
    running = lambda_service({"name": "fails"})
    answer = running.invoke("fails", {"action": "error"})
    assert answer.status_code == 200
    assert answer.headers["X-Amz-Function-Error"] == "Unhandled"
    assert answer.headers["X-Amz-Executed-Version"] == "$LATEST"
    assert answer.json() == {"errorMessage": "boom", "errorType": "FakeError"}
    ok = running.invoke("fails", {})
    assert "X-Amz-Function-Error" not in ok.headers and ok.json()["count"] == 2, "an error does not end the environment"


def test_a_crash_mid_invocation_is_a_runtime_exit_error_and_the_next_invocation_starts_afresh(lambda_service):
    running = lambda_service({"name": "crashes"})
    first_pid = running.invoke("crashes", {}).json()["pid"]
    answer = running.invoke("crashes", {"action": "crash"})
    assert answer.headers["X-Amz-Function-Error"] == "Unhandled"
    error = answer.json()
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")
    after = running.invoke("crashes", {}).json()
    assert after["pid"] != first_pid and after["count"] == 1


def test_an_init_error_fails_the_invocation_with_the_runtimes_error_and_no_environment_is_kept(lambda_service):
    running = lambda_service({"name": "broken", "env": {"FAKE_INIT": "error"}})
    for _ in range(2):   # each invocation tries a fresh environment, as Lambda does
        answer = running.invoke("broken", {})
        assert answer.status_code == 200 and answer.headers["X-Amz-Function-Error"] == "Unhandled"
        assert answer.json() == {"errorMessage": "bad configuration", "errorType": "FakeInitError"}
    stats = running.stats("broken")
    assert stats["cold_starts"] == 2 and [r["outcome"] for e in stats["environments"] for r in e["invocations"]] == ["init-error"] * 2
    deadline = time.time() + 5
    while any(e["state"] != "stopped" for e in running.stats("broken")["environments"]) and time.time() < deadline:
        time.sleep(0.05)
    assert all(e["state"] == "stopped" for e in running.stats("broken")["environments"])


def test_a_process_that_exits_during_init_is_a_runtime_exit_error(lambda_service):
    running = lambda_service({"name": "exits", "env": {"FAKE_INIT": "exit"}})
    answer = running.invoke("exits", {})
    assert answer.headers["X-Amz-Function-Error"] == "Unhandled"
    assert answer.json()["errorType"] == "Runtime.ExitError"
    assert answer.json()["errorMessage"].endswith("exit status 2")


def test_a_binary_that_cannot_run_here_is_an_invalid_entrypoint(lambda_service, tmp_path):
    binary = tmp_path / "bootstrap"
    binary.write_bytes(b"\x7fELF not for this machine")
    binary.chmod(0o755)
    running = lambda_service({"name": "foreign", "binary": str(binary)})
    answer = running.invoke("foreign", {})
    assert answer.status_code == 200 and answer.headers["X-Amz-Function-Error"] == "Unhandled"
    assert answer.json()["errorType"] == "Runtime.InvalidEntrypoint"
    assert "Exec format error" in answer.json()["errorMessage"]


def test_an_init_that_never_finishes_times_out(lambda_service):
    running = lambda_service({"name": "stuck", "timeout": 1, "env": {"FAKE_INIT": "hang"}})
    started = time.monotonic()
    answer = running.invoke("stuck", {})
    # The init never ends on its own: under 4 s is the 1 s timeout, with room for a loaded machine.
    assert answer.json()["errorType"] == "Sandbox.Timedout" and 1.0 <= time.monotonic() - started < 4.0


def test_a_response_over_six_megabytes_is_refused_as_lambda_refuses_it(lambda_service):
    running = lambda_service({"name": "big"})
    answer = running.invoke("big", {"action": "big"})
    assert answer.headers["X-Amz-Function-Error"] == "Unhandled"
    assert answer.json()["errorType"] == "Function.ResponseSizeTooLarge"
    time.sleep(0.2)
    assert '"big_response_status": 413' in running.log("big"), "the runtime was told 413"


def test_the_process_gets_lambdas_environment_and_nothing_from_the_services(lambda_service, fake_binary, monkeypatch):
    monkeypatch.setenv("SERVICE_ONLY_SECRET", "must-not-leak")
    credentials = {"access_key_id": "AKIAFUNCTION", "secret_access_key": "secret", "session_token": "token"}
    running = lambda_service({"name": "env", "memory": 256, "credentials": credentials, "env": {"RUST_LOG": "debug"},
                              "region": "eu-west-1"})
    echo = running.invoke("env", {}).json()
    env = echo["env"]
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"]), "host:port, no scheme"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "env"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"]) == ("eu-west-1", "eu-west-1")
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]) == ("AKIAFUNCTION", "secret", "token")
    assert env["LAMBDA_TASK_ROOT"] == echo["cwd"] == str(pathlib.Path(fake_binary).parent)
    assert env["TZ"] == "UTC" and env["RUST_LOG"] == "debug"
    assert "SERVICE_ONLY_SECRET" not in env and "VIRTUAL_ENV" not in env


def test_reserved_variables_cannot_be_configured(fake_binary):
    from studiogate_lambda import FunctionSpec, SpecError

    with pytest.raises(SpecError, match="AWS_REGION"):
        FunctionSpec(name="f", binary=fake_binary, env={"AWS_REGION": "us-west-2"})


def test_the_runtime_api_headers_are_lambdas(lambda_service):
    running = lambda_service({"name": "headers", "timeout": 7})
    before = time.time() * 1000
    context = {"custom": {"k": "v"}}
    answer = running.invoke("headers", {}, {"X-Amz-Client-Context": base64.b64encode(json.dumps(context).encode()).decode()})
    headers = answer.json()["headers"]
    assert headers["lambda-runtime-aws-request-id"] == answer.headers["x-amzn-RequestId"]
    assert before + 6000 < int(headers["lambda-runtime-deadline-ms"]) <= time.time() * 1000 + 7000
    assert headers["lambda-runtime-invoked-function-arn"] == "arn:aws:lambda:us-east-1:123456789012:function:headers"
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", headers["lambda-runtime-trace-id"])
    assert json.loads(headers["lambda-runtime-client-context"]) == context


def test_the_functions_output_goes_to_its_log_with_a_report_per_invocation(lambda_service):
    running = lambda_service({"name": "logs"})
    request_id = running.invoke("logs", {"action": "log"}).headers["x-amzn-RequestId"]
    time.sleep(0.1)
    lines = [json.loads(line) for line in running.log("logs").splitlines()]
    messages = [line.get("message") for line in lines if line.get("request_id") == request_id]
    assert sorted(messages) == ["to stderr", "to stdout"]
    (report,) = [line for line in lines if line.get("type") == "platform.report"]
    assert report["record"]["requestId"] == request_id and report["record"]["status"] == "success"
    assert report["record"]["metrics"]["initDurationMs"] > 0


def test_stats_give_init_durations_and_peak_memory_per_environment(lambda_service):
    running = lambda_service({"name": "measured", "env": {"FAKE_INIT": "slow:0.2"}})
    started = time.time()
    for _ in range(3):
        running.invoke("measured", {"action": "sleep", "seconds": 0.05})
    stats = running.stats("measured")
    (environment,) = stats["environments"]
    assert environment["state"] == "idle" and environment["exit"] is None
    assert abs(environment["started_at"] - started) < 10, "seconds since the epoch, not since start"
    assert 200 <= environment["init_ms"] < 5000, "process start to the first next, the 0.2 s sleep included"
    assert 1000 < environment["peak_rss_kib"] < 500_000, "VmHWM of a small Python process"
    records = environment["invocations"]
    assert [r["cold"] for r in records] == [True, False, False]
    assert all(r["outcome"] == "ok" and 50 <= r["duration_ms"] < 5000 for r in records), "milliseconds: each slept 50 ms"
    assert records[0]["total_ms"] >= environment["init_ms"], "a cold invocation's total includes the init"
    assert all(isinstance(r["duration_ms"], float) for r in records), "milliseconds with decimals"
    # Recycled: the environment stops (its peak memory then comes from wait4) and the next is cold.
    assert requests.post(f"{running.url}/_lambda/recycle", json={"function": "measured"}, timeout=10).json() == {"stopped": {"measured": 1}}
    running.invoke("measured", {})
    stopped, fresh = running.stats("measured")["environments"]
    assert stopped["state"] == "stopped" and stopped["exit"]["signal"] == "SIGTERM" and stopped["peak_rss_kib"] >= environment["peak_rss_kib"]
    assert fresh["invocations"][0]["cold"] is True
    health = requests.get(f"{running.url}/_lambda/health", timeout=10).json()
    assert health == {"ok": True, "functions": {"measured": {"environments": 1, "busy": 0, "idle": 1}}}


QUERY_WORDS = {"filter", "stats", "fields", "sort", "by", "asc", "desc", "limit", "and", "or", "not",
               "like", "max", "min", "avg", "sum", "count", "display"}


def flattened(value, path=""):
    """A JSON object's scalars under their dotted paths, as CloudWatch Logs Insights names them."""
    if isinstance(value, dict):
        return {key: leaf for name, member in value.items()
                for key, leaf in flattened(member, f"{path}.{name}" if path else name).items()}
    return {path: value}


def test_the_docs_report_queries_read_fields_a_report_carries(lambda_service):
    # README's "Checks only a real account can make" and docs/operations.md query Lambda's report as the JSON log
    # format writes it (the stack sets LogFormat JSON); the report here is modelled on it. A query
    # naming a field the report does not carry matches nothing in a real account.
    running = lambda_service({"name": "reported"})
    running.invoke("reported", {})
    time.sleep(0.1)
    (report,) = [json.loads(line) for line in running.log("reported").splitlines() if '"platform.report"' in line]
    carried = flattened(report)
    docs = (REPO / "README.md").read_text() + (REPO / "docs" / "operations.md").read_text()
    queries = [query for query in re.findall(r"`(filter [^`]+)`", docs) if '"platform.report"' in query]
    assert len(queries) >= 2, queries
    for query in queries:
        unquoted = re.sub(r'"[^"]*"', " ", query.replace("\\|", "|"))
        for word in re.findall(r"[A-Za-z_@][A-Za-z0-9_.@]*", unquoted):
            if word.startswith("@") or word in QUERY_WORDS:
                continue
            assert word in carried, f"{word!r} of {query!r} is not in the report: {sorted(carried)}"
        # Each compared value is one the field takes: the report's type, and a successful
        # invocation's status (what `!= "success"` leaves out).
        for field, value in re.findall(r'([A-Za-z_.]+) !?= "([^"]*)"', query):
            assert str(carried[field]) == value, (query, field, carried[field])
