"""Functions and their execution environments, scaled as Lambda scales them.

An invocation goes to an idle environment of its function, or a new one is started (a cold start),
up to the function's concurrency limit; past it, the invocation waits up to `queue_timeout` seconds
(default: the function's timeout) for an environment to come free, and is then throttled
(`Throttled`; Lambda itself throttles at once: `queue_timeout` 0). Environments stay warm until the
service stops, a timeout or crash ends them, or `recycle()` retires the idle ones.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import threading
import time

from .environment import RESERVED, ExecutionEnvironment, Invocation, lambda_error, ms

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


class SpecError(ValueError):
    """A function specification Lambda would refuse."""


class Throttled(Exception):
    """No environment came free within the queue timeout (Lambda's TooManyRequestsException)."""


@dataclasses.dataclass
class FunctionSpec:
    name: str
    binary: str
    env: dict = dataclasses.field(default_factory=dict)
    credentials: dict | None = None   # {access_key_id, secret_access_key, session_token}
    timeout: float = 3.0              # seconds (Lambda's default)
    memory: int = 128                 # MB: AWS_LAMBDA_FUNCTION_MEMORY_SIZE; reported, not enforced
    concurrency: int = 10
    queue_timeout: float | None = None
    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    log: str | None = None            # default: <log dir>/<name>.log

    def __post_init__(self) -> None:
        self.binary = str(pathlib.Path(self.binary).resolve())
        reserved = sorted(set(self.env) & RESERVED)
        if reserved:
            raise SpecError(f"{self.name}: Lambda sets {', '.join(reserved)} itself (credentials, region: their own keys)")
        if not 1 <= self.timeout <= 900:
            raise SpecError(f"{self.name}: timeout must be 1-900 seconds")
        if not 128 <= self.memory <= 10240:
            raise SpecError(f"{self.name}: memory must be 128-10240 MB")
        if self.concurrency < 1:
            raise SpecError(f"{self.name}: concurrency must be at least 1")
        self.env = {str(k): str(v) for k, v in self.env.items()}

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.name}"

    @property
    def task_root(self) -> str:
        return os.path.dirname(self.binary)

    @classmethod
    def from_json(cls, name: str, data: dict) -> "FunctionSpec":
        known = {f.name for f in dataclasses.fields(cls)} - {"name"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SpecError(f"{name}: unknown keys {unknown} (known: {sorted(known)})")
        return cls(name=name, **data)


class Function:
    """One function: its specification and its pool of execution environments."""

    def __init__(self, spec: FunctionSpec, log_dir: pathlib.Path) -> None:
        if not (os.path.isfile(spec.binary) and os.access(spec.binary, os.X_OK)):
            raise SpecError(f"{spec.name}: {spec.binary} is not an executable file")
        self.spec = spec
        self.log_path = pathlib.Path(spec.log) if spec.log else log_dir / f"{spec.name}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab", buffering=0)
        self._cond = threading.Condition()
        self._live: list[ExecutionEnvironment] = []
        self._busy: set[str] = set()
        self._stopped: list[ExecutionEnvironment] = []
        self.throttles = 0
        self._closed = False

    def invoke(self, payload: bytes, client_context: str | None = None, cognito_identity: str | None = None) -> Invocation:
        """Runs one invocation to its end; raises Throttled when no environment comes free."""
        invocation = Invocation(payload, client_context, cognito_identity)
        wait = self.spec.timeout if self.spec.queue_timeout is None else self.spec.queue_timeout
        try:
            environment, cold = self._acquire(wait)
        except OSError as error:   # the binary cannot be executed: Lambda's Runtime.InvalidEntrypoint
            invocation.finish("init-error", lambda_error("Runtime.InvalidEntrypoint", f"RequestId: {invocation.request_id} "
                                                         f"Error: fork/exec {self.spec.binary}: {error.strerror}"))
            return invocation
        invocation.queued_ms = ms(time.monotonic() - invocation.created)
        if environment is None:
            with self._cond:
                self.throttles += 1
            raise Throttled(self.spec.name)
        try:
            environment.run(invocation, cold)
        finally:
            with self._cond:
                self._busy.discard(environment.id)
                self._cond.notify()
        return invocation

    def _acquire(self, wait: float) -> tuple[ExecutionEnvironment | None, bool]:
        deadline = time.monotonic() + wait
        with self._cond:
            while not self._closed:
                for environment in self._live:
                    if environment.id not in self._busy and environment.alive:
                        self._busy.add(environment.id)
                        return environment, False
                if len(self._live) < self.spec.concurrency:
                    environment = ExecutionEnvironment(self.spec, self._log, self._exited)
                    self._live.append(environment)
                    self._busy.add(environment.id)
                    return environment, True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
        return None, False

    def _exited(self, environment: ExecutionEnvironment) -> None:
        with self._cond:
            if environment in self._live:
                self._live.remove(environment)
                self._stopped.append(environment)
            self._cond.notify_all()

    def recycle(self) -> int:
        """Stops the idle environments (the next invocation is a cold start); returns how many."""
        with self._cond:
            idle = [e for e in self._live if e.id not in self._busy]
            for environment in idle:
                self._busy.add(environment.id)   # nobody takes it while it stops
        for environment in idle:
            environment.stop()
        for environment in idle:
            environment.wait_stopped()
        with self._cond:
            for environment in idle:
                self._busy.discard(environment.id)
        return len(idle)

    def stop(self) -> None:
        with self._cond:
            self._closed = True
            environments = list(self._live)
            self._cond.notify_all()
        for environment in environments:
            environment.stop(grace=0.5)
        for environment in environments:
            environment.wait_stopped()
        self._log.close()

    def counts(self) -> dict:
        with self._cond:
            live = list(self._live)
            busy = sum(1 for e in live if e.id in self._busy)
        return {"environments": len(live), "busy": busy, "idle": len(live) - busy}

    def stats(self) -> dict:
        with self._cond:
            environments = list(self._stopped) + list(self._live)
        described = [e.stats() for e in environments]
        records = [r for e in described for r in e["invocations"]]
        return {
            "arn": self.spec.arn, "binary": self.spec.binary, "log": str(self.log_path),
            "timeout": self.spec.timeout, "memory": self.spec.memory, "concurrency": self.spec.concurrency,
            "invocations": len(records), "cold_starts": sum(1 for r in records if r["cold"]),
            "errors": sum(1 for r in records if r["outcome"] != "ok"),
            "timeouts": sum(1 for r in records if r["outcome"] == "timeout"), "throttles": self.throttles,
            "environments": described,
        }


class LambdaService:
    """The functions this service runs, by name."""

    def __init__(self, specs: list[FunctionSpec], log_dir: str | pathlib.Path) -> None:
        self.log_dir = pathlib.Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.functions = {spec.name: Function(spec, self.log_dir) for spec in specs}

    def function(self, name_or_arn: str) -> tuple[Function | None, str | None]:
        """The function a name, a full or partial ARN names, and the qualifier given with it."""
        name, qualifier = name_or_arn, None
        if ":function:" in name:
            name = name.split(":function:", 1)[1]
        if ":" in name:
            name, qualifier = name.split(":", 1)
        return self.functions.get(name), qualifier

    def health(self) -> dict:
        return {"ok": True, "functions": {name: f.counts() for name, f in self.functions.items()}}

    def stats(self) -> dict:
        return {"functions": {name: f.stats() for name, f in self.functions.items()}}

    def stop(self) -> None:
        threads = [threading.Thread(target=f.stop) for f in self.functions.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
