"""`studiogate offboard`, the administrator's command, against the local stack with IAM enforced:
signed as the stack's offboard role (its credentials from the seeded world), with the stack's own
configuration. A dry run plans and changes nothing; --execute deletes the listed user's private
space and profile, in AWS's order, and records each step."""

from __future__ import annotations

import json
import os
import subprocess
import time

from studiogate_local.functions import binaries_dir


def offboard(stack, world, *args: str) -> tuple[int, list[dict], str]:
    """Runs `studiogate offboard ARGS` as the offboard role: exit code, stdout's JSON lines, stderr."""
    creds = world["function_credentials"]["offboard"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ENDPOINT_URL": stack.emulator, "AWS_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": creds["access_key_id"], "AWS_SECRET_ACCESS_KEY": creds["secret_access_key"],
                "AWS_SESSION_TOKEN": creds["session_token"]})
    answer = subprocess.run([str(binaries_dir() / "studiogate"), "offboard", "--config", stack.ready["config"], *args],
                            env=env, capture_output=True, text=True, timeout=180)
    return answer.returncode, [json.loads(line) for line in answer.stdout.splitlines() if line.strip()], answer.stderr


def profile_status(stack, domain: str, name: str) -> str:
    """The profile's status, or "gone" (the fresh world settles a deletion in a fraction of a second)."""
    sagemaker = stack.client("sagemaker")
    try:
        return sagemaker.describe_user_profile(DomainId=domain, UserProfileName=name)["Status"]
    except sagemaker.exceptions.ResourceNotFound:
        return "gone"


def steps(lines: list[dict]) -> list[tuple[str, str, str]]:
    return [(line["action"], line["resource"], line["outcome"]) for line in lines if "action" in line]


def test_the_command_plans_then_offboards_a_listed_user_and_records_each_step(stack, world, tmp_path):
    assert stack.login("bob", "sagemaker-private")[0] == 302   # bob's profile and private space
    code, plan, err = offboard(stack, world, "--user", "bob", "--home", "remove")
    assert code == 0, err
    assert steps(plan)[:2] == [("delete-space", "bob-private", "planned"), ("delete-profile", "bob", "planned")]
    assert "dry run: nothing changed" in err
    sagemaker = stack.client("sagemaker")
    domain = world["sagemaker_domains"]["ml"]["id"]
    assert sagemaker.describe_user_profile(DomainId=domain, UserProfileName="bob")["Status"] == "InService"

    record = tmp_path / "offboarding.jsonl"
    code, done, err = offboard(stack, world, "--user", "bob", "--home", "remove", "--execute", "--record", str(record),
                               "--wait-seconds", "60", "--poll-seconds", "1")
    assert code == 0, err
    assert steps(done)[:2] == [("delete-space", "bob-private", "done"), ("delete-profile", "bob", "done")]
    assert [json.loads(line) for line in record.read_text().splitlines()] == [line for line in done if "action" in line]
    assert profile_status(stack, domain, "bob") in ("Deleting", "gone")
    deletes = [c for c in stack.calls() if c["operation"] in ("DeleteSpace", "DeleteUserProfile")]
    assert [(c["operation"], c["outcome"], c["signer"]["arn"].split("/")[1]) for c in deletes] == [
        ("DeleteSpace", "ok", world["stack"]["roles"]["OffboardRole"]["name"]),
        ("DeleteUserProfile", "ok", world["stack"]["roles"]["OffboardRole"]["name"])], "as the offboard role"


def test_a_listed_name_that_matches_nothing_is_said_and_a_byte_order_mark_is_no_part_of_a_name(
        stack, world, tmp_path):
    assert stack.login("alice", "sagemaker-private")[0] == 302
    leavers = tmp_path / "leavers.txt"
    leavers.write_text("\ufeffalice\r\nAlice\n", encoding="utf-8")   # as a Windows editor saves it
    record = tmp_path / "plan.jsonl"
    code, lines, err = offboard(stack, world, "--users-file", str(leavers), "--home", "remove",   # a dry run
                                "--record", str(record))
    assert code == 0, err
    assert ("delete-profile", "alice", "planned") in steps(lines)
    assert [line for line in lines if line.get("skip") == "not-found"] == [{"skip": "not-found", "user": "Alice"}]
    assert '"Alice" matched no profile' in err
    assert [json.loads(line) for line in record.read_text().splitlines()] == lines, "the record holds the skips too"


def test_the_command_refuses_to_guess_who_to_offboard(stack, world):
    code, lines, err = offboard(stack, world)
    assert (code, lines) == (2, [])
    assert "--inactive-days DAYS, --user NAME or --users-file FILE" in err


class _OneEvent:
    """The Lambda Runtime API for one scheduled event: serves it, keeps the answer, and then lets
    the runtime wait, as Lambda does between invocations."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.answer: tuple[str, dict] | None = None
        self.served = threading.Event()
        self.done = threading.Event()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if owner.served.is_set():
                    owner.done.wait(30)
                owner.served.set()
                body = json.dumps({"source": "aws.scheduler", "detail-type": "Scheduled Event"}).encode()
                self.send_response(200)
                for key, value in {"Lambda-Runtime-Aws-Request-Id": "req-offboard-1",
                                   "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 900_000),
                                   "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:offboard",
                                   "Content-Type": "application/json", "Content-Length": str(len(body))}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.answer = (self.path.rsplit("/", 1)[-1], json.loads(body or b"{}"))
                owner.done.set()
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_port}"


def scheduled_run(stack, world, **variables: str) -> tuple[str, dict]:
    """The offboard binary as the stack's scheduled function (Lambda mode, the offboard role's
    credentials, the stack's variables): what it answered its one event ("response" or "error")."""
    runtime = _OneEvent()
    creds = world["function_credentials"]["offboard"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_LAMBDA_RUNTIME_API": runtime.address, "AWS_LAMBDA_FUNCTION_NAME": "offboard",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/studiogate-offboard", "AWS_LAMBDA_LOG_STREAM_NAME": "local",
                "AWS_ENDPOINT_URL": stack.emulator, "AWS_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": creds["access_key_id"], "AWS_SECRET_ACCESS_KEY": creds["secret_access_key"],
                "AWS_SESSION_TOKEN": creds["session_token"], "STUDIOGATE_CONFIG_FILE": stack.ready["config"],
                **variables})
    process = subprocess.Popen([str(binaries_dir() / "offboard")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert runtime.done.wait(120), "the function never answered its event"
    finally:
        process.kill()
        process.wait()
        runtime.server.shutdown()
    assert runtime.answer is not None
    return runtime.answer


def test_the_scheduled_function_plans_by_inactivity_and_deletes_only_when_told(stack, world):
    assert stack.login("bob", "sagemaker-user")[0] == 302
    sagemaker = stack.client("sagemaker")
    domain = world["sagemaker_domains"]["ml"]["id"]
    arn = sagemaker.describe_user_profile(DomainId=domain, UserProfileName="bob")["UserProfileArn"]
    # bob was last seen long ago (the operator backdates the tag presign wrote today).
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "studiogate:last-login", "Value": "2020-01-01"}])
    variables = {"STUDIOGATE_OFFBOARD_INACTIVE_DAYS": "30", "STUDIOGATE_OFFBOARD_HOME": "remove"}

    kind, planned = scheduled_run(stack, world, **variables)
    assert kind == "response", planned
    assert (planned["profiles"], planned["executed"], planned["clean"]) == (1, False, True)
    assert profile_status(stack, domain, "bob") == "InService", "a plan changes nothing"

    kind, done = scheduled_run(stack, world, **variables, STUDIOGATE_OFFBOARD_EXECUTE="true")
    assert kind == "response", done
    assert (done["profiles"], done["executed"], done["clean"]) == (1, True, True)
    assert profile_status(stack, domain, "bob") in ("Deleting", "gone")
