"""`python -m studiogate_lambda serve [--host 127.0.0.1] [--port 9000] [--spec SPEC.json]
     [--function NAME=BINARY ...] [--env-file NAME=FILE ...] [--log-dir DIR] [--parent-pid PID]`

Functions come from a JSON spec file, from `--function` flags (Lambda's defaults: timeout 3 s,
128 MB, concurrency 10), or both. A spec:

    {"log_dir": "...", "functions": {"saml-validator": {"binary": "target/debug/saml-validator",
      "env": {"RUST_LOG": "info"}, "credentials": {"access_key_id": "...", "secret_access_key": "...",
      "session_token": "..."}, "timeout": 29, "memory": 256, "concurrency": 10, "queue_timeout": 29,
      "region": "us-east-1", "account": "123456789012"}}}

(relative binary paths are relative to the spec file). `--env-file NAME=FILE` adds KEY=VALUE lines
to a function's variables. Prints `LAMBDA_ENDPOINT=http://HOST:PORT` when it serves; stops every
function's processes on SIGTERM or Ctrl-C, or when --parent-pid exits.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import signal
import sys
import tempfile
import threading
import time

from .frontdoor import serve
from .service import FunctionSpec, LambdaService, SpecError


def _pair(text: str, flag: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise SpecError(f"{flag} takes NAME=VALUE, got {text!r}")
    return name, value


def read_env_file(path: str) -> dict:
    env = {}
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, value = _pair(line.removeprefix("export "), "an env file line")
            env[key] = value.strip().strip('"')
    return env


def specs_from(args) -> tuple[list[FunctionSpec], str | None]:
    functions: dict[str, dict] = {}
    log_dir = None
    if args.spec:
        spec_path = pathlib.Path(args.spec).resolve()
        document = json.loads(spec_path.read_text(encoding="utf-8"))
        log_dir = document.get("log_dir")
        for name, data in document.get("functions", {}).items():
            data = dict(data)
            data["binary"] = str(spec_path.parent / data["binary"]) if "binary" in data else ""
            functions[name] = data
    for flag in args.function:
        name, binary = _pair(flag, "--function")
        functions.setdefault(name, {})["binary"] = str(pathlib.Path(binary).resolve())
    for flag in args.env_file:
        name, path = _pair(flag, "--env-file")
        if name not in functions:
            raise SpecError(f"--env-file {name}=...: no function {name}")
        functions[name]["env"] = {**functions[name].get("env", {}), **read_env_file(path)}
    if not functions:
        raise SpecError("no functions: give --spec or --function NAME=BINARY")
    return [FunctionSpec.from_json(name, data) for name, data in functions.items()], log_dir


def _watch_parent(pid: int, service: LambdaService) -> None:
    while True:
        try:
            os.kill(pid, 0)
        except OSError:
            service.stop()
            os._exit(0)
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(prog="studiogate_lambda")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_cmd = sub.add_parser("serve", help="run functions behind the Invoke API and function URLs")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=9000, help="0: a free port")
    serve_cmd.add_argument("--spec", help="a JSON spec file (see the module docstring)")
    serve_cmd.add_argument("--function", action="append", default=[], metavar="NAME=BINARY")
    serve_cmd.add_argument("--env-file", action="append", default=[], metavar="NAME=FILE")
    serve_cmd.add_argument("--log-dir", help="function logs go to DIR/NAME.log (default: the spec's, else a temp dir)")
    serve_cmd.add_argument("--parent-pid", type=int, help="stop when this process exits")
    args = parser.parse_args()
    try:
        specs, spec_log_dir = specs_from(args)
        temporary_logs = not (args.log_dir or spec_log_dir)
        log_dir = args.log_dir or spec_log_dir or tempfile.mkdtemp(prefix="studiogate-lambda-")
        try:
            service = LambdaService(specs, log_dir)
        except BaseException:
            if temporary_logs:
                shutil.rmtree(log_dir, ignore_errors=True)
            raise
    except (SpecError, OSError, ValueError, KeyError, TypeError) as error:
        print(f"studiogate_lambda: {error}", file=sys.stderr)
        return 2
    try:
        server, url = serve(service, args.host, args.port)
    except OSError as error:
        service.stop()
        print(f"studiogate_lambda: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.parent_pid:
        threading.Thread(target=_watch_parent, args=(args.parent_pid, service), daemon=True).start()
    print(f"LAMBDA_LOGS={service.log_dir.resolve()}", flush=True)
    print(f"LAMBDA_ENDPOINT={url}", flush=True)
    try:
        while True:
            # Short sleeps: a signal another thread receives interrupts no sleep of this one, and
            # Python runs its handler only here, in the main thread.
            time.sleep(0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()
        service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
