"""One execution environment: a function's process and the Runtime API it polls.

Each environment has its own Runtime API listener (`AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT`), as
each Lambda sandbox has its own. The process is started with the function's configured variables
and the ones Lambda sets, its output appended to the function's log. An invocation given to the
environment waits in its inbox until the runtime asks for the next event, and ends when the runtime
posts a response or an error, when the process exits, or when the function's timeout passes (the
process is then killed, as Lambda kills a timed-out sandbox).

Times are `time.monotonic()`, reported in milliseconds with decimals.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

# The local services' one HTTP/1.1 handler (persistent connections, as Lambda's Runtime API keeps
# them) lives with the emulator, beside this package.
sys.path.append(str(pathlib.Path(__file__).resolve().parents[2] / "emulator"))
from studiogate_emulator.keepalive import KeepAliveHandler  # noqa: E402

PREFIX = "/2018-06-01/runtime"
# Lambda's synchronous response limit (6 MB), in the bytes its error message names.
MAX_RESPONSE_BYTES = 6291556
_COMPLETE = re.compile(PREFIX + r"/invocation/([^/]+)/(response|error)")
# Lambda refuses these as configured variables: it sets them itself.
RESERVED = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers={"Content-Type": "application/json", **(headers or {})})


class Invocation:
    """One request to a function: its event, and how it ended."""

    def __init__(self, payload: bytes, client_context: str | None = None, cognito_identity: str | None = None) -> None:
        self.request_id = str(uuid.uuid4())
        self.payload = payload
        self.client_context = client_context
        self.cognito_identity = cognito_identity
        now = time.time()
        self.trace_id = f"Root=1-{int(now):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
        self.created = time.monotonic()
        self.delivered_at: float | None = None
        self.finished_at: float | None = None
        self.done = threading.Event()
        self.outcome = "pending"   # ok, error, timeout, crash, init-error
        self.body = b""            # the function's response, or Lambda's error document
        self.error_type: str | None = None
        self.cold = False
        self.environment = ""
        self.queued_ms = 0.0
        self._lock = threading.Lock()

    @property
    def function_error(self) -> bool:
        return self.outcome != "ok"

    def finish(self, outcome: str, body: bytes, error_type: str | None = None) -> bool:
        """Ends the invocation once; False when it had already ended."""
        with self._lock:
            if self.done.is_set():
                return False
            self.outcome, self.body, self.error_type = outcome, body, error_type
            self.finished_at = time.monotonic()
            self.done.set()
            return True


def lambda_error(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


class ExecutionEnvironment:
    """A process of a function and its Runtime API listener."""

    def __init__(self, spec, log, on_exit) -> None:
        self.spec = spec
        self.id = uuid.uuid4().hex[:12]
        self._log = log
        self._on_exit = on_exit
        self._lock = threading.Lock()
        self._inbox: queue.Queue = queue.Queue()
        self.current: Invocation | None = None    # delivered, not yet answered
        self.assigned: Invocation | None = None   # given to this environment, not yet ended
        self.init_ms: float | None = None
        self.peak_rss_kib: int | None = None
        self.exit: dict | None = None
        self.retiring = False   # killed or stopping: takes no more invocations
        self.records: list[dict] = []
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=KeepAliveHandler)
        self.runtime_api = f"127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                         name=f"runtime-api-{spec.name}-{self.id}").start()
        self.started_at = time.time()
        self.started = time.monotonic()
        try:
            self.process = subprocess.Popen(
                [spec.binary], env=self.environment(), cwd=spec.task_root, stdin=subprocess.DEVNULL,
                stdout=log, stderr=log,
            )
        except OSError:   # e.g. a binary for another architecture
            self._server.shutdown()
            self._server.server_close()
            raise
        threading.Thread(target=self._reap, daemon=True, name=f"reaper-{spec.name}-{self.id}").start()

    def environment(self) -> dict:
        """The function's variables and Lambda's own; nothing inherited from this process."""
        spec = self.spec
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": "UTC",
            **spec.env,
            "_HANDLER": os.path.basename(spec.binary),
            "AWS_LAMBDA_RUNTIME_API": self.runtime_api,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{datetime.date.today():%Y/%m/%d}/[$LATEST]{self.id}",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "LAMBDA_TASK_ROOT": spec.task_root,
            "LAMBDA_RUNTIME_DIR": spec.task_root,
        }
        if spec.credentials:
            env["AWS_ACCESS_KEY_ID"] = spec.credentials["access_key_id"]
            env["AWS_SECRET_ACCESS_KEY"] = spec.credentials["secret_access_key"]
            if spec.credentials.get("session_token"):
                env["AWS_SESSION_TOKEN"] = spec.credentials["session_token"]
        return env

    # ----- what the pool asks of an environment
    @property
    def alive(self) -> bool:
        return self.exit is None and not self.retiring

    def run(self, invocation: Invocation, cold: bool) -> None:
        """Gives `invocation` to the runtime at its next `next`; returns when it has ended."""
        invocation.cold, invocation.environment = cold, self.id
        with self._lock:
            if self.exit is not None:
                invocation.finish("crash", lambda_error("Runtime.ExitError", f"RequestId: {invocation.request_id} Error: Runtime exited"))
            else:
                self.assigned = invocation
                self._inbox.put(invocation)
        timeout = self.spec.timeout
        started = time.monotonic()
        # Until delivery (a cold start's init included) and then from delivery, the function's timeout.
        while not invocation.done.is_set():
            base = invocation.delivered_at or started
            remaining = base + timeout - time.monotonic()
            if remaining <= 0:
                break
            invocation.done.wait(remaining if invocation.delivered_at else min(remaining, 0.05))
        if invocation.finish("timeout", lambda_error(
                "Sandbox.Timedout", f"RequestId: {invocation.request_id} Error: Task timed out after {timeout:.2f} seconds")):
            self.kill()
        with self._lock:
            self.assigned = None
            if self.current is invocation:
                self.current = None
        self._record(invocation)

    def _signal(self, number: int) -> None:
        self.retiring = True
        # os.kill, not Popen.send_signal: that polls, and would reap the process before wait4 does.
        if self.exit is None:
            try:
                os.kill(self.process.pid, number)
            except OSError:
                pass

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def stop(self, grace: float = 1.0) -> None:
        """As at shutdown: SIGTERM, then SIGKILL after `grace` seconds."""
        if self.exit is None:
            self._signal(signal.SIGTERM)
            deadline = time.monotonic() + grace
            while self.exit is None and time.monotonic() < deadline:
                time.sleep(0.02)
            self.kill()

    def wait_stopped(self, seconds: float = 5.0) -> bool:
        deadline = time.monotonic() + seconds
        while self.exit is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.exit is not None

    # ----- measurements
    def sample_rss(self) -> None:
        """VmHWM (peak resident set) of the running process; at exit, wait4's ru_maxrss."""
        try:
            with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        self.peak_rss_kib = max(self.peak_rss_kib or 0, int(line.split()[1]))
        except (OSError, ValueError):
            pass

    def _record(self, invocation: Invocation) -> None:
        if self.exit is None:
            self.sample_rss()
        duration = ms(invocation.finished_at - invocation.delivered_at) if invocation.delivered_at else None
        record = {
            "request_id": invocation.request_id, "cold": invocation.cold, "outcome": invocation.outcome,
            "duration_ms": duration, "total_ms": ms(invocation.finished_at - invocation.created), "queued_ms": invocation.queued_ms,
        }
        self.records.append(record)
        # As Lambda's JSON log format reports each invocation (platform.report).
        metrics = {"durationMs": duration or 0.0, "billedDurationMs": int(-(-(duration or 0.0) // 1)),
                   "memorySizeMB": self.spec.memory, "maxMemoryUsedMB": (self.peak_rss_kib or 0) // 1024}
        if invocation.cold and self.init_ms is not None:
            metrics["initDurationMs"] = self.init_ms
        line = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "type": "platform.report",
                "record": {"requestId": invocation.request_id, "metrics": metrics,
                           "status": {"ok": "success", "timeout": "timeout"}.get(invocation.outcome, "error")}}
        try:
            self._log.write((json.dumps(line) + "\n").encode())
        except (OSError, ValueError):
            pass

    def stats(self) -> dict:
        if self.exit is None:
            self.sample_rss()
        state = "stopped" if self.exit else "busy" if self.assigned else "initializing" if self.init_ms is None else "idle"
        return {
            "id": self.id, "pid": self.process.pid, "state": state, "runtime_api": self.runtime_api,
            "started_at": round(self.started_at, 3), "init_ms": self.init_ms, "peak_rss_kib": self.peak_rss_kib,
            "exit": self.exit, "invocations": list(self.records),
        }

    # ----- the process's end
    def _reap(self) -> None:
        _, status, usage = os.wait4(self.process.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        self.process.returncode = code
        with self._lock:
            # ru_maxrss is the peak resident set in KiB on Linux: exact, even after the process is gone.
            self.peak_rss_kib = max(self.peak_rss_kib or 0, usage.ru_maxrss)
            self.exit = {"code": code if code >= 0 else None, "signal": signal.Signals(-code).name if code < 0 else None,
                         "after_ms": ms(time.monotonic() - self.started)}
            pending = self.assigned
        if pending is not None:
            reason = f"exit status {code}" if code >= 0 else f"signal: {signal.Signals(-code).name.lower().removeprefix('sig')}"
            pending.finish("crash", lambda_error("Runtime.ExitError", f"RequestId: {pending.request_id} Error: Runtime exited with error: {reason}"))
        self._inbox.put(None)
        self._server.shutdown()
        self._server.server_close()
        self._on_exit(self)

    # ----- the Runtime API
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()   # always read: the connection is kept alive
        path = request.path
        if request.method == "GET" and path == PREFIX + "/invocation/next":
            response = self._next()
        elif request.method == "POST" and (match := _COMPLETE.fullmatch(path)):
            response = self._complete(match[1], match[2], body, request.headers.get("Lambda-Runtime-Function-Error-Type"))
        elif request.method == "POST" and path == PREFIX + "/init/error":
            response = self._init_error(body, request.headers.get("Lambda-Runtime-Function-Error-Type"))
        else:
            response = json_response({"errorType": "NotFound", "errorMessage": f"no route {request.method} {path}"}, 404)
        return response(environ, start_response)

    def _next(self) -> Response:
        now = time.monotonic()
        if self.init_ms is None:
            self.init_ms = ms(now - self.started)
        while True:
            try:
                invocation = self._inbox.get(timeout=1.0)
            except queue.Empty:
                if self.exit is not None:
                    return json_response({"errorType": "Runtime.Stopped", "errorMessage": "stopping"}, 410)
                continue
            if invocation is None:
                return json_response({"errorType": "Runtime.Stopped", "errorMessage": "stopping"}, 410)
            if not invocation.done.is_set():
                break
        deadline_ms = int((time.time() + self.spec.timeout) * 1000)
        with self._lock:
            self.current = invocation
            invocation.delivered_at = time.monotonic()
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.spec.arn,
            "Lambda-Runtime-Trace-Id": invocation.trace_id,
        }
        if invocation.client_context:
            headers["Lambda-Runtime-Client-Context"] = invocation.client_context
        if invocation.cognito_identity:
            headers["Lambda-Runtime-Cognito-Identity"] = invocation.cognito_identity
        return Response(invocation.payload, status=200, headers={"Content-Type": "application/json", **headers})

    def _complete(self, request_id: str, kind: str, body: bytes, error_type: str | None) -> Response:
        invocation = self.current
        if invocation is None or invocation.request_id != request_id:
            return json_response({"errorType": "InvalidRequestID", "errorMessage": "Invalid request ID"}, 400)
        if kind == "response" and len(body) > MAX_RESPONSE_BYTES:
            invocation.finish("error", lambda_error(
                "Function.ResponseSizeTooLarge",
                f"Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
                "Function.ResponseSizeTooLarge")
            return json_response({"errorType": "RequestEntityTooLarge",
                                  "errorMessage": f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."}, 413)
        if kind == "response":
            invocation.finish("ok", body)
        else:
            invocation.finish("error", error_document(body, error_type), error_type)
        with self._lock:
            if self.current is invocation:
                self.current = None
        return json_response({"status": "OK"}, 202)

    def _init_error(self, body: bytes, error_type: str | None) -> Response:
        """The runtime could not start: the waiting invocation gets its error; Lambda ends the sandbox."""
        self.retiring = True
        pending = self.assigned
        if pending is not None:
            pending.finish("init-error", error_document(body, error_type or "Runtime.InitError"), error_type)
        threading.Timer(0.2, self.kill).start()   # the runtime usually exits on its own first
        return json_response({"status": "OK"}, 202)


def error_document(body: bytes, error_type: str | None) -> bytes:
    """What Invoke returns for a function error: the runtime's error document, as it posted it."""
    try:
        if isinstance(json.loads(body), dict):
            return body
    except ValueError:
        pass
    return lambda_error(error_type or "Runtime.Unknown", body.decode("utf-8", "replace"))
