"""The local stack: the AWS emulator seeded with the default world, both functions under
`cargo lambda watch` pointed at it, and the local IdP. One process starts, watches and stops all
three; `--once` drives one login headlessly and exits 0 when it ends in the right Studio profile.

Ports: 4566 (emulator), 9000 (functions), 8000 (IdP) by default; `--ports auto` picks free ones
(tests). When everything answers it prints one line `STACK_READY=<json>` with the endpoints.
"""

from __future__ import annotations

import json
import os
import pathlib
import queue
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

from .idp import LocalIdp, load_world

ROOT = pathlib.Path(__file__).resolve().parents[3]
AWS_RECIPIENTS = [
    "https://signin.aws.amazon.com/saml",
    "https://*.signin.aws.amazon.com/saml",
    "https://signin.amazonaws-us-gov.com/saml",
    "https://signin.amazonaws.cn/saml",
]
DEFAULT_PORTS = {"emulator": 4566, "functions": 9000, "idp": 8000}
# What the committed configuration names; the stack swaps in the real addresses.
CONFIG_EMULATOR = "http://127.0.0.1:4566"
CONFIG_FUNCTIONS = "http://127.0.0.1:9000"


class StackError(RuntimeError):
    """Something the newcomer can fix: the message says what."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_free(port: int, what: str) -> None:
    with socket.socket() as probe:
        # Like the servers themselves: connections lingering in TIME_WAIT do not block the port.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise StackError(f"port {port} ({what}) is in use: stop what listens there, or run with --ports auto") from None


def broker_config(template: pathlib.Path, emulator: str, functions: str, extra_recipient: str | None = None) -> str:
    """The committed configuration with the stack's real addresses and absolute key paths."""
    text = template.read_text(encoding="utf-8")
    text = text.replace(CONFIG_EMULATOR, emulator).replace(CONFIG_FUNCTIONS, functions)
    # Relative paths in the template are relative to its folder; the copy lives elsewhere.
    text = text.replace('"../../', f'"{ROOT}/')
    if extra_recipient:
        # Tests only: a validator that accepts a Recipient STS will refuse (a misconfiguration).
        text = text.replace("[sp]\n", f"[sp]\nrecipients = {json.dumps(AWS_RECIPIENTS + [extra_recipient])}\n", 1)
    return text


def wait_for(url: str, seconds: float, what: str, method: str = "GET", data: bytes | None = None, process=None) -> bytes:
    deadline = time.time() + seconds
    last = "no answer"
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise StackError(f"{what} exited with code {process.returncode}; see its log")
        try:
            request = urllib.request.Request(url, data=data, method=method)
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.read()
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last = str(error)
        time.sleep(0.5)
    raise StackError(f"{what} did not answer at {url} within {seconds:.0f} s ({last})")


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
        self.log_dir = pathlib.Path(args.log_dir or tempfile.mkdtemp(prefix="studiogate-local-")).resolve()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if args.ports == "auto":
            # The emulator and the IdP bind port 0 themselves; cargo lambda watch needs its port named.
            self.ports = {"emulator": 0, "functions": free_port(), "idp": 0}
        else:
            self.ports = dict(DEFAULT_PORTS)
            for name, port in self.ports.items():
                require_free(port, name)
        self.functions = f"http://127.0.0.1:{self.ports['functions']}"
        self.broker = f"{self.functions}/lambda-url/saml-validator"
        self.emulator = self.idp = ""

    def _spawn(self, name: str, command: list[str], cwd: pathlib.Path, env: dict | None = None,
               read_stdout: bool = False) -> subprocess.Popen:
        """Starts `command` in its own process group, its output in `<log_dir>/<name>.log`."""
        log = open(self.log_dir / f"{name}.log", "wb")
        self.logs.append(log)
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE if read_stdout else log, stderr=log,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def _start_emulator(self, seconds: float = 120) -> dict:
        """Starts the emulator and waits for its endpoint line; returns what seeding created."""
        emulator = self._spawn(
            "emulator",
            [sys.executable, "-m", "studiogate_emulator", "serve", "--port", str(self.ports["emulator"]),
             "--seed", "worlds/default.json", "--parent-pid", str(os.getpid())],
            ROOT / "tests/emulator",
            read_stdout=True,
        )
        lines: queue.Queue = queue.Queue()
        # Keep draining its stdout, so the emulator never blocks on a full pipe.
        threading.Thread(target=lambda: [lines.put(line.decode().strip()) for line in emulator.stdout], daemon=True).start()
        world, deadline = None, time.time() + seconds
        while time.time() < deadline:
            try:
                text = lines.get(timeout=0.5)
            except queue.Empty:
                if emulator.poll() is not None:
                    break
                continue
            if text.startswith("EMULATOR_WORLD="):
                world = json.loads(text.removeprefix("EMULATOR_WORLD="))
            if text.startswith("EMULATOR_ENDPOINT="):
                self.emulator = text.removeprefix("EMULATOR_ENDPOINT=")
                return world
        raise StackError(f"the emulator did not start within {seconds:.0f} s; see {self.log_dir / 'emulator.log'}")

    def start(self) -> dict:
        say = print if not self.args.quiet else (lambda *a, **k: None)
        say("== emulator (moto + studiogate's STS, SageMaker, EMR), world tests/emulator/worlds/default.json")
        world = self._start_emulator()
        say(f"   {self.emulator}")

        config_path = self.log_dir / "studiogate.toml"
        config_path.write_text(
            broker_config(
                ROOT / self.args.config, self.emulator, self.functions,
                # Tests only: the validator then accepts the ACS URL as Recipient, which STS refuses.
                f"{self.broker}/saml/acs" if self.args.accept_acs_as_recipient else None,
            ),
            encoding="utf-8",
        )
        cargo_lambda = shutil.which("cargo-lambda", path=str(ROOT / ".venv/bin")) or shutil.which("cargo-lambda")
        if cargo_lambda is None:
            raise StackError("cargo-lambda is missing: run ./scripts/setup.sh")
        # As --env-var flags, the equivalent of [package.metadata.lambda.env] for ports chosen at run time
        # (cargo-lambda 1.9 lets metadata env win over flags, so the manifests set none).
        function_env = {
            "STUDIOGATE_CONFIG_FILE": str(config_path),
            "AWS_ENDPOINT_URL": self.emulator,
            # saml-validator invokes presign through cargo lambda watch's Invoke API.
            "AWS_ENDPOINT_URL_LAMBDA": self.functions,
            "AWS_ACCESS_KEY_ID": "AKIALOCALFUNCTIONS01",
            "AWS_SECRET_ACCESS_KEY": "local-functions-secret",
            "AWS_REGION": "us-east-1",
            "RUST_LOG": os.environ.get("RUST_LOG", "info"),
        }
        env = {k: v for k, v in os.environ.items() if k != "STUDIOGATE_CONFIG"}
        command = [cargo_lambda, "lambda", "watch", "-A", "127.0.0.1", "-P", str(self.ports["functions"]), "--disable-cors"]
        for name, value in function_env.items():
            command += ["--env-var", f"{name}={value}"]
        if self.args.ignore_changes:
            command.append("--ignore-changes")
        say(f"== functions on {self.functions} (cargo lambda watch: saml-validator, presign); log {self.log_dir / 'functions.log'}")
        watch = self._spawn("functions", command, ROOT, env)
        say("   building and starting them (the first build takes several minutes)...")
        wait_for(f"{self.broker}/healthz", self.args.build_timeout, "saml-validator", process=watch)
        # presign starts on its first invocation; warm it with a request it must refuse.
        wait_for(f"{self.functions}/2015-03-31/functions/presign/invocations", self.args.build_timeout, "presign",
                 method="POST", data=b"{}", process=watch)

        say(f"== local IdP (pysaml2), importing the broker's metadata from {self.broker}/saml/metadata")
        app = LocalIdp(load_world(str(ROOT / self.args.idp_world)), "", f"{self.broker}/saml/metadata")
        self.idp_server = make_server("127.0.0.1", self.ports["idp"], app, threaded=True, request_handler=_QuietHandler)
        self.idp = app.base_url = f"http://127.0.0.1:{self.idp_server.server_port}"
        threading.Thread(target=self.idp_server.serve_forever, daemon=True).start()
        app.server()  # import the SP metadata now, so a bad broker answer fails here
        say(f"   {self.idp}")

        ready = {
            "emulator": self.emulator,
            "functions": self.functions,
            "broker": self.broker,
            "acs": f"{self.broker}/saml/acs",
            "idp": self.idp,
            "log_dir": str(self.log_dir),
            "config": str(config_path),
            "world": world,
        }
        if getattr(self.args, "ready_line", True) and not sys.stdout.isatty():
            # For the program that started the stack (the tests); noise on a terminal.
            print("STACK_READY=" + json.dumps(ready), flush=True)
        return ready

    def stop(self) -> None:
        if self.idp_server is not None:
            self.idp_server.shutdown()
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


def banner(ready: dict) -> str:
    return (
        "\nstudiogate is running locally.\n\n"
        f"  Open {ready['idp']}/ and click a tile (switch users at the top).\n\n"
        f"  ACS endpoint   {ready['acs']}\n"
        f"  SP metadata    {ready['broker']}/saml/metadata\n"
        f"  AWS emulator   {ready['emulator']}   (calls: {ready['emulator']}/_emulator/calls)\n"
        f"  Logs           {ready['log_dir']}/functions.log\n\n"
        "Ctrl-C stops everything.\n"
    )


def main(args) -> int:
    stack = Stack(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        ready = stack.start()
        if args.once:
            from .once import drive_one_login

            return drive_one_login(ready, user=args.user, tile=args.tile)
        print(banner(ready), flush=True)
        while True:
            time.sleep(3600)
    except StackError as error:
        print(f"local stack: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()
