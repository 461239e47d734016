"""The local stack: the AWS emulator seeded with the default world (IAM enforced, one listener per
network and interface endpoint), both functions on the local Lambda service (tests/lambda), each
with its own role's credentials and network (functions.py), and the local IdP. One process starts
and stops all three; `--once` drives one login headlessly and exits 0 when it ends in the right
Studio profile. It builds nothing: the function binaries come from `cargo build --workspace --bins`
(./scripts/run-local.sh runs it first).

Ports: 4566 (emulator), 9000 (functions), 8000 (IdP) by default; `--ports auto` picks free ones
(tests). When everything answers it prints one line `STACK_READY=<json>` with the endpoints.
"""

from __future__ import annotations

import json
import os
import pathlib
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from werkzeug.serving import WSGIRequestHandler, make_server

from .functions import (ROOT, SIGNIN_RECIPIENT, StackError, binaries_dir, broker_config, check_binaries, lambda_spec,
                        local_world)
from .idp import LocalIdp, load_world

__all__ = ["ROOT", "Stack", "StackError", "main"]
DEFAULT_PORTS = {"emulator": 4566, "functions": 9000, "idp": 8000}


def _ephemeral_start() -> int:
    try:
        return int(pathlib.Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A free port for a server another process binds later, chosen below the ephemeral range: a
    bind to port 0 (an emulator's, an IdP's, another stack's) never takes it in the meantime."""
    low, high = 20000, _ephemeral_start() - 1
    for _ in range(200):
        port = random.randint(low, high)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise StackError(f"no free port between {low} and {high}")


def require_free(port: int, what: str) -> None:
    with socket.socket() as probe:
        # Like the servers themselves: connections lingering in TIME_WAIT do not block the port.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise StackError(f"port {port} ({what}) is in use: stop what listens there, or run with --ports auto") from None


def _tail(path: pathlib.Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class Stack:
    """Starts and stops the three parts."""

    def __init__(self, args) -> None:
        self.args = args
        self.processes: list[subprocess.Popen] = []
        self.logs: list = []
        self.idp_server = None
        self.idp_serving = False   # shutdown() waits for serve_forever: only once it runs
        self.idp_app = None
        # A temporary log folder is removed when --once succeeds; otherwise it stays for a person to read.
        self.temporary_logs = args.log_dir is None
        self.log_dir = pathlib.Path(args.log_dir or tempfile.mkdtemp(prefix="studiogate-local-")).resolve()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if args.ports == "auto":
            # The emulator and the IdP bind port 0 themselves; the functions' port is in the broker
            # configuration and the emulator's --lambda-runtime before the Lambda service starts.
            self.ports = {"emulator": 0, "functions": free_port(), "idp": 0}
        else:
            self.ports = dict(DEFAULT_PORTS)
            for name, port in self.ports.items():
                require_free(port, name)
        self.functions = f"http://127.0.0.1:{self.ports['functions']}"
        self.broker = f"{self.functions}/lambda-url/saml-validator"
        self.emulator = self.idp = ""

    def _start(self, name: str, command: list[str], cwd: pathlib.Path, until: str, seconds: float) -> dict:
        """Starts `command` in its own process group (output in `<log_dir>/<name>.log`), and waits for
        the line `<until>=...`; returns every `KEY=value` line it printed until then."""
        log = open(self.log_dir / f"{name}.log", "wb")
        self.logs.append(log)
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        self.processes.append(process)
        lines: queue.Queue = queue.Queue()

        def drain():   # keep reading, so the child never blocks on a full pipe
            for line in process.stdout:
                lines.put(line.decode().strip())

        threading.Thread(target=drain, daemon=True).start()
        found, deadline = {}, time.time() + seconds
        while time.time() < deadline:
            try:
                text = lines.get(timeout=0.2)
            except queue.Empty:
                if process.poll() is not None:
                    break
                continue
            key, sep, value = text.partition("=")
            if sep and key.isupper():
                found[key] = value
            if key == until:
                return found
        raise StackError(f"{name} did not start within {seconds:.0f} s; see {self.log_dir / f'{name}.log'}:\n"
                         f"{_tail(self.log_dir / f'{name}.log')}")

    def _warm(self) -> None:
        """Starts one environment of each function and fails here, with its log, if one cannot start."""
        for name, url, data in (("saml-validator", f"{self.broker}/healthz", None),
                                # presign refuses this request; starting is what counts.
                                ("presign", f"{self.functions}/2015-03-31/functions/presign/invocations", b"{}")):
            try:
                with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=60) as answer:
                    failed = answer.headers.get("X-Amz-Function-Error")
            except urllib.error.HTTPError as error:
                failed = f"HTTP {error.code}"
            except (urllib.error.URLError, OSError) as error:
                failed = str(error)
            if failed:
                log = self.log_dir / f"{name}.log"
                raise StackError(f"{name} did not start ({failed}); its log, {log}:\n{_tail(log)}")

    def start(self) -> dict:
        say = print if not self.args.quiet else (lambda *a, **k: None)
        started = time.monotonic()
        binaries = binaries_dir(self.args.binaries)
        for warning in check_binaries(binaries):
            print(f"local stack: warning: {warning}", file=sys.stderr)
        for name in ("saml-validator", "presign"):   # the Lambda service appends: start each run afresh
            (self.log_dir / f"{name}.log").unlink(missing_ok=True)

        say("== emulator (moto + studiogate's STS, SageMaker, EMR; IAM enforced), world tests/emulator/worlds/default.json")
        # The default world, deployed at this stack's ACS URL (its user role trusts that Recipient).
        world_path = self.log_dir / "world.json"
        world_path.write_text(json.dumps(local_world(f"{self.broker}/saml/acs")), encoding="utf-8")
        lines = self._start(
            "emulator",
            [sys.executable, "-m", "studiogate_emulator", "serve", "--port", str(self.ports["emulator"]),
             "--seed", str(world_path), "--lambda-runtime", self.functions, "--parent-pid", str(os.getpid()),
             # The template's default StudioNetworkMode: the browser reaches Studio through its interface endpoint.
             "--studio-network", "vpc"],
            ROOT / "tests/emulator", "EMULATOR_ENDPOINT", 120,
        )
        self.emulator, world = lines["EMULATOR_ENDPOINT"], json.loads(lines["EMULATOR_WORLD"])
        emulator_ready = time.monotonic()
        say(f"   {self.emulator} (endpoints: {', '.join(f'{k} {v}' for k, v in world['endpoints'].items())})")

        # The IdP's address goes into the broker's configuration (idp.sso_url): bind it now; it
        # serves, and imports the broker's metadata, once the functions are up.
        app = self.idp_app = LocalIdp(load_world(str(ROOT / self.args.idp_world)), "", f"{self.broker}/saml/metadata")
        self.idp_server = make_server("127.0.0.1", self.ports["idp"], app, threaded=True, request_handler=_QuietHandler)
        self.idp = app.base_url = f"http://127.0.0.1:{self.idp_server.server_port}"

        config_path = self.log_dir / "studiogate.toml"
        config_path.write_text(
            broker_config(
                ROOT / self.args.config, self.emulator, self.functions, world["endpoints"]["sagemaker.api"],
                # Tests only: the validator then also accepts the AWS sign-in Recipient, which the stack's
                # trust policy refuses (AcceptAwsSignInRecipient=false).
                SIGNIN_RECIPIENT if self.args.accept_signin_recipient else None,
                idp=self.idp,
            ),
            encoding="utf-8",
        )
        spec_path = self.log_dir / "lambda-spec.json"
        spec_path.write_text(json.dumps(lambda_spec(world, self.emulator, config_path, binaries, self.log_dir), indent=2))
        spec_path.chmod(0o600)   # the functions' credentials
        say(f"== functions on {self.functions} (local Lambda service: saml-validator, presign from {binaries})")
        self._start(
            "lambda",
            [sys.executable, "-m", "studiogate_lambda", "serve", "--port", str(self.ports["functions"]),
             "--spec", str(spec_path), "--parent-pid", str(os.getpid())],
            ROOT / "tests/lambda", "LAMBDA_ENDPOINT", 60,
        )
        self._warm()
        functions_ready = time.monotonic()
        say(f"   logs {self.log_dir}/saml-validator.log, {self.log_dir}/presign.log")

        say(f"== local IdP (pysaml2), importing the broker's metadata from {self.broker}/saml/metadata")
        threading.Thread(target=self.idp_server.serve_forever, daemon=True).start()
        self.idp_serving = True
        self.idp_app.server()  # import the SP metadata now, so a bad broker answer fails here
        say(f"   {self.idp}")

        ready = {
            "emulator": self.emulator,
            "functions": self.functions,
            "broker": self.broker,
            "acs": f"{self.broker}/saml/acs",
            "idp": self.idp,
            "log_dir": str(self.log_dir),
            "logs": {name: str(self.log_dir / f"{name}.log") for name in ("saml-validator", "presign", "lambda", "emulator")},
            "config": str(config_path),
            "world": world,
            "seconds": {"emulator": round(emulator_ready - started, 2), "functions": round(functions_ready - emulator_ready, 2),
                        "total": round(time.monotonic() - started, 2)},
        }
        if getattr(self.args, "ready_line", True) and not sys.stdout.isatty():
            # For the program that started the stack (the tests); noise on a terminal.
            print("STACK_READY=" + json.dumps(ready), flush=True)
        return ready

    def stop(self, keep_logs: bool = True) -> None:
        if self.idp_server is not None:
            if self.idp_serving:
                self.idp_server.shutdown()
            self.idp_server.server_close()
        if self.idp_app is not None:
            self.idp_app.close()
        for process in reversed(self.processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for log in self.logs:
            log.close()
        if self.temporary_logs and not keep_logs:
            shutil.rmtree(self.log_dir, ignore_errors=True)


def banner(ready: dict) -> str:
    return (
        "\nstudiogate is running locally.\n\n"
        f"  Open {ready['idp']}/ and click a tile (switch users at the top).\n\n"
        f"  ACS endpoint   {ready['acs']}\n"
        f"  SP metadata    {ready['broker']}/saml/metadata\n"
        f"  AWS emulator   {ready['emulator']}   (calls: {ready['emulator']}/_emulator/calls)\n"
        f"  Functions      {ready['functions']}   (stats: {ready['functions']}/_lambda/stats)\n"
        f"  Logs           {ready['logs']['saml-validator']}\n"
        f"                 {ready['logs']['presign']}\n\n"
        "Ctrl-C stops everything.\n"
    )


def main(args) -> int:
    stack = Stack(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    once_passed = False
    try:
        ready = stack.start()
        if args.once:
            from .once import drive_one_login

            code = drive_one_login(ready, user=args.user, tile=args.tile)
            once_passed = code == 0
            if not once_passed:
                print(f"--once: the logs are in {stack.log_dir}", file=sys.stderr)
            return code
        print(banner(ready), flush=True)
        while True:
            # Short sleeps: a SIGTERM another thread receives interrupts no sleep of this one, and
            # Python runs the handler only here, in the main thread.
            time.sleep(0.2)
    except StackError as error:
        print(f"local stack: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop(keep_logs=not once_passed)
