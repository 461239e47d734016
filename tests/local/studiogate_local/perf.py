"""The performance harness (BENCHMARKS.md, "Login: studiogate against the Python way"): studiogate's
functions and the Python reference (tests/perf/python_reference: signxml and boto3 under awslambdaric,
the same AWS calls) run one after the other, each on a local stack of its own (the emulator with IAM
enforced, the local Lambda service, the local IdP), and measured the same way:

- cold start: both environments recycled, then one new user's login; per function the init (process
  start to its first `next`), the first invocation, and the CPU the process used until it answered
  (`/proc/PID/task/*/schedstat`: everything it did, none of its waiting);
- warm: a returning user's logins, alternating the two front doors (the function URL, and an HTTP API
  payload 2.0 event through Invoke); the client's wall time per login (p50, p99), each function's
  invocation duration, and each function's CPU per login (the CPU its process used over all of them,
  divided by their number); the rest of the wall time is waiting: on the emulator, on the other
  function, on the local Lambda service;
- peak RSS (VmHWM) of every environment, the zipped package, and the Lambda cost per million logins
  at the memory each needs (see PRICE);
- a burst: distinct new users at once, then one new user many times at once; the latency
  distribution, and the profiles the emulator holds afterwards.

    python -m studiogate_local perf [--rust DIR] [--also LABEL=DIR ...] [--no-python]
                                    [--logins 200] [--burst 100] [--same-user 20] [--short]

`--rust` is the folder of the release build (`cargo build --release --bins`, the profile of the
arm64 package). `--also` measures another build of studiogate in the same run, after the first, as
a column of its own: the way to weigh a change (A, B, A, B, ...), since this machine drifts by 10 %
or more between runs. `--short` (the test command's smoke run) measures a few logins of each kind on
whatever binaries it is given: it keeps the harness from rotting, its numbers mean nothing. The table
goes to stdout and the figures to test-output/perf.json. Nothing here asserts on time; every login
must succeed, and the burst must leave exactly the profiles it should.
"""

from __future__ import annotations

import functools
import io
import json
import math
import os
import pathlib
import platform
import statistics
import sys
import threading
import time
import tomllib
import types
import urllib.parse
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from typing import Callable, TypeVar

from .events import acs_event
from .functions import NAMES, ROOT, binaries_dir
from .idp import LocalIdp, load_world
from .once import request
from .stack import Stack

T = TypeVar("T")
PYTHON_REFERENCE = ROOT / "tests/perf/python_reference"
OUTPUT = ROOT / "test-output/perf.json"
# AWS Lambda, arm64, US East (N. Virginia), first pricing tier, read from
# https://aws.amazon.com/lambda/pricing/ on 2026-12-02. Since 2025-08-01 the INIT phase is billed
# for every runtime, so a cold start's init counts.
PRICE = {"gb_second": 0.0000133334, "per_million_requests": 0.20, "region": "us-east-1", "architecture": "arm64",
         "read": "2026-12-02"}
# What each function needs beyond its peak RSS before it may run at a memory setting.
HEADROOM = 1.5
# What the Python reference deploys beside its handlers (Lambda's Python runtime has boto3 and the
# runtime interface client already).
PYTHON_PACKAGES = ("signxml", "lxml", "cryptography", "cffi", "pycparser", "certifi")
TARGET = "sagemaker-ml"   # the SageMaker target of examples/local/studiogate.toml (the tile sagemaker-user)


def percentile(values: list[float], share: float) -> float:
    """Nearest rank (the smallest value with at least `share` of them at or below it)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


def _get(url: str, data: bytes | None = None) -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=60) as answer:
        return json.loads(answer.read() or b"{}")


def released_together(calls: list[Callable[[], T]]) -> tuple[list[T], float]:
    """Runs every call on a thread of its own, all released at once by a barrier. Returns their
    results in order, and the wall time in ms from the release to the last answer."""
    barrier = threading.Barrier(len(calls) + 1)

    def run(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        barrier.wait()   # every thread is at the barrier: go
        released = time.perf_counter()
        results = [f.result(timeout=300) for f in futures]
    return results, (time.perf_counter() - released) * 1000


def cpu_ms(pid: int) -> float:
    """CPU time (user and system, every thread) a live process has used, in ms (schedstat: ns)."""
    total = 0
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass   # a thread that ended between the listing and the read
    return total / 1e6


def user_cpu_ms(pid: int) -> float:
    """The user-space share of a process's CPU (utime of /proc/PID/stat, every thread, in clock
    ticks: 10 ms resolution, so it is read over many logins). The rest is the kernel's, mostly the
    loopback TCP connections (kept alive, as AWS's endpoints and the SDKs keep them)."""
    # The fields after the parenthesised command name; utime is the 14th field of the line.
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) * 1000 / os.sysconf("SC_CLK_TCK")


class Run:
    """One implementation on a stack of its own."""

    def __init__(self, label: str, binaries: pathlib.Path) -> None:
        self.label, self.binaries = label, binaries
        options = types.SimpleNamespace(
            ports="auto", log_dir=None, config="examples/local/studiogate.toml", idp_world="examples/local/idp.json",
            binaries=str(binaries), accept_signin_recipient=False, quiet=True, ready_line=False)
        self.stack = Stack(options)
        self.ready = self.stack.start()
        self.idp = LocalIdp(load_world(str(ROOT / options.idp_world)), self.ready["idp"],
                            f"{self.ready['broker']}/saml/metadata")
        self.functions = self.ready["functions"]
        self.idp.server()   # imports the SP metadata now: a GET of it must not be the cold invocation

    def stats(self) -> dict:
        return _get(f"{self.functions}/_lambda/stats")["functions"]

    def add_user(self, user: str) -> None:
        self.idp.world["users"][user] = {"name": user, "name_id": f"{user}@example.com", "groups": ["analysts"],
                                         "roles": ["StudioUser"]}

    def form(self, user: str) -> str:
        posted = self.idp.sign_in(user, "sagemaker-user", {})
        return urllib.parse.urlencode({"SAMLResponse": posted["SAMLResponse"], "RelayState": posted["RelayState"]})

    def login(self, user: str, front_door: str = "function-url") -> float:
        """One login; its client wall time in ms. Anything but a redirect into Studio is an error."""
        body = self.form(user)
        started = time.perf_counter()
        if front_door == "function-url":
            status, headers, _ = request("POST", self.ready["acs"], dict(urllib.parse.parse_qsl(body)))
            location = headers.get("location", "")
        else:   # an HTTP API's payload 2.0 event, delivered by Invoke as API Gateway does
            answer = _get(f"{self.functions}/2015-03-31/functions/saml-validator/invocations",
                          json.dumps(acs_event("http-api", body, time.time())).encode())
            status, location = answer.get("statusCode"), (answer.get("headers") or {}).get("location", "")
        elapsed = (time.perf_counter() - started) * 1000
        if status != 302 or "/auth?token=" not in location:
            raise RuntimeError(f"{self.label}: {user}'s login via {front_door} answered {status}, not a redirect into Studio")
        return elapsed

    def pids(self) -> dict[str, list[int]]:
        return {name: [e["pid"] for e in function["environments"] if e["state"] != "stopped"]
                for name, function in self.stats().items()}

    def cpu(self) -> dict[str, float]:
        return {name: sum(cpu_ms(pid) for pid in pids) for name, pids in self.pids().items()}

    def user_cpu(self) -> dict[str, float]:
        return {name: sum(user_cpu_ms(pid) for pid in pids) for name, pids in self.pids().items()}

    def cold(self) -> dict:
        _get(f"{self.functions}/_lambda/recycle", b"{}")
        self.add_user("cold0")
        wall = self.login("cold0")
        out = {"client_ms": wall}
        for name, function in self.stats().items():
            environment = next(e for e in function["environments"] if e["invocations"] and e["invocations"][0]["cold"]
                               and e["state"] != "stopped")
            first = environment["invocations"][0]
            out[name] = {"init_ms": environment["init_ms"], "first_ms": first["duration_ms"],
                         "cpu_ms": cpu_ms(environment["pid"])}
        out["cpu_ms"] = sum(out[name]["cpu_ms"] for name in NAMES)
        return out

    def warm(self, logins: int) -> dict:
        self.login("alice")   # her profile exists from here on
        for _ in range(3):
            self.login("alice")
        seen = {name: sum(len(e["invocations"]) for e in f["environments"]) for name, f in self.stats().items()}
        before, user_before = self.cpu(), self.user_cpu()
        client = [self.login("alice", "function-url" if index % 2 == 0 else "http-api") for index in range(logins)]
        after, user_after = self.cpu(), self.user_cpu()
        out = {"logins": logins, "client_ms": client}
        for name, function in self.stats().items():
            invocations = [r for e in function["environments"] for r in e["invocations"]][seen[name]:]
            durations = [r["duration_ms"] for r in invocations if r["duration_ms"] is not None]
            out[name] = {"durations_ms": durations, "cpu_ms_per_login": (after[name] - before[name]) / logins,
                         "user_cpu_ms_per_login": (user_after[name] - user_before[name]) / logins}
        out["cpu_ms_per_login"] = sum(out[name]["cpu_ms_per_login"] for name in NAMES)
        return out

    def burst(self, users: list[str]) -> dict:
        for user in set(users):
            self.add_user(user)
        forms = [self.form(user) for user in users]

        def post(body: str) -> tuple[int | None, float]:
            started = time.perf_counter()
            try:
                status, _, _ = request("POST", self.ready["acs"], dict(urllib.parse.parse_qsl(body)))
            except OSError:
                status = None
            return status, (time.perf_counter() - started) * 1000

        answers, _ = released_together([functools.partial(post, body) for body in forms])
        profiles = self.profiles(set(users))
        return {"logins": len(users), "users": len(set(users)), "client_ms": [ms for _, ms in answers],
                "errors": sum(1 for status, _ in answers if status != 302), "profiles": profiles}

    def profiles(self, users: set[str]) -> int:
        """How many of `users` have a SageMaker profile now (as the emulator's administrator sees it)."""
        with open(self.ready["config"], "rb") as config:
            domain = tomllib.load(config)["targets"][TARGET]["domain_id"]
        listed = _emulator_profiles(self.ready["emulator"], domain)
        return len(users & listed)

    def peak_rss_mib(self) -> dict[str, float]:
        return {name: max((e["peak_rss_kib"] or 0) for e in function["environments"]) / 1024
                for name, function in self.stats().items()}

    def stop(self) -> None:
        self.stack.stop()   # the logs stay, for a person to read (their folder is in the report)


def _emulator_profiles(emulator: str, domain: str) -> set[str]:
    import boto3   # the tests' dependency; imported here so `perf --help` needs nothing
    from botocore.config import Config

    sys.path.insert(0, str(ROOT / "tests/emulator"))
    from studiogate_emulator.iam import OPERATOR_ACCESS_KEY, OPERATOR_SECRET

    client = boto3.session.Session(aws_access_key_id=OPERATOR_ACCESS_KEY, aws_secret_access_key=OPERATOR_SECRET,
                                   region_name="us-east-1").client("sagemaker", endpoint_url=emulator,
                                                                    config=Config(retries={"total_max_attempts": 1}))
    names, token = set(), None
    while True:
        page = client.list_user_profiles(DomainIdEquals=domain, MaxResults=100, **({"NextToken": token} if token else {}))
        names |= {p["UserProfileName"] for p in page["UserProfiles"]}
        token = page.get("NextToken")
        if not token:
            return names


def zipped_size(files: list[tuple[pathlib.Path, str]]) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in files:
            archive.write(path, name)
    return len(buffer.getvalue())


def package_sizes(label: str, binaries: pathlib.Path) -> dict[str, int]:
    """The zipped deployment package of each function, as Lambda stores it."""
    if label == "python":
        dependencies = []
        for package in PYTHON_PACKAGES:
            distribution = metadata.distribution(package)
            for file in distribution.files or []:
                path = pathlib.Path(distribution.locate_file(file))
                if path.is_file() and "__pycache__" not in path.parts and not str(file).startswith(".."):
                    dependencies.append((path, str(file)))
        handlers = {"saml-validator": "validator.py", "presign": "presign.py"}
        return {name: zipped_size([(PYTHON_REFERENCE / handlers[name], handlers[name]),
                                   (PYTHON_REFERENCE / "common.py", "common.py"), *dependencies]) for name in NAMES}
    sizes = {name: zipped_size([(binaries / name, "bootstrap")]) for name in NAMES}
    # The deployed package: sam build's arm64 bootstrap, when check-lambda-build.sh has built it.
    for name, logical in (("saml-validator", "SamlValidatorFunction"), ("presign", "PresignFunction")):
        bootstrap = ROOT / os.environ.get("SAM_BUILD_DIR", ".aws-sam/build") / logical / "bootstrap"
        if bootstrap.is_file():
            sizes[f"{name} (arm64)"] = zipped_size([(bootstrap, "bootstrap")])
    return sizes


def memory_setting(peak_mib: float) -> int:
    """The smallest Lambda memory (MB, 128 and up) with HEADROOM over the peak RSS."""
    return max(128, math.ceil(peak_mib * HEADROOM))


# Lambda gives a function CPU in proportion to its memory: one full vCPU at 1,769 MB
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
FULL_VCPU_MB = 1769


def lambda_ms(cpu_ms: float, wall_ms: float, memory_mb: int) -> float:
    """A model of one invocation's duration on Lambda at `memory_mb`: the time spent waiting as
    measured here, plus the CPU work stretched by the CPU share that memory buys (this machine's
    core counts as one vCPU)."""
    waiting = max(0.0, wall_ms - cpu_ms)
    return waiting + cpu_ms * max(1.0, FULL_VCPU_MB / memory_mb)


def modelled_ms(warm: dict, memory: dict[str, int]) -> dict[str, float]:
    """Each function's warm invocation on Lambda (the model above), with its median wait and its CPU
    stretched by its memory. saml-validator's includes presign's whole modelled invocation, for
    which it waits (and is billed)."""
    median = {name: statistics.median(warm[name]["durations_ms"]) for name in NAMES}
    presign = lambda_ms(warm["presign"]["cpu_ms_per_login"], median["presign"], memory["presign"])
    validator = lambda_ms(warm["saml-validator"]["cpu_ms_per_login"], median["saml-validator"] - median["presign"],
                          memory["saml-validator"])
    return {"saml-validator": validator + presign, "presign": presign}


def modelled_login_ms(warm: dict, memory: dict[str, int]) -> float:
    """A warm login on Lambda: saml-validator's invocation, presign's inside it."""
    return modelled_ms(warm, memory)["saml-validator"]


def cost_per_million(warm: dict, memory: dict[str, int]) -> float:
    """USD per million warm logins: both functions' modelled billed duration (1 ms granularity) at
    their memory, saml-validator's wait for presign included, and two requests."""
    modelled = modelled_ms(warm, memory)
    compute = sum(math.ceil(modelled[name]) / 1000 * memory[name] / 1024 for name in NAMES)
    return compute * PRICE["gb_second"] * 1e6 + 2 * PRICE["per_million_requests"]


def measure(label: str, binaries: pathlib.Path, args) -> dict:
    run = Run(label, binaries)
    try:
        cold = run.cold()
        warm = run.warm(args.logins)
        distinct = run.burst([f"burst{index:03d}" for index in range(args.burst)])
        shared = run.burst(["shared0"] * args.same_user)
        peak = run.peak_rss_mib()
    finally:
        run.stop()
    memory = {name: memory_setting(peak[name]) for name in NAMES}
    return {"label": label, "binaries": str(binaries), "logs": str(run.stack.log_dir), "cold": cold, "warm": warm, "burst": distinct,
            "same_user": shared, "peak_rss_mib": peak, "memory_mb": memory,
            "package_bytes": package_sizes(label, binaries), "usd_per_million": cost_per_million(warm, memory)}


def _row(name: str, values: list[str]) -> str:
    return f"{name:44} " + " ".join(f"{v:>14}" for v in values)


def report(results: list[dict]) -> list[str]:
    lines = [_row("", [r["label"] for r in results])]

    def add(name, get):
        lines.append(_row(name, [get(r) for r in results]))

    add("cold: init ms (validator + presign)", lambda r: f"{r['cold']['saml-validator']['init_ms']:.1f} + {r['cold']['presign']['init_ms']:.1f}")
    add("cold: first invocation ms (validator, presign)", lambda r: f"{r['cold']['saml-validator']['first_ms']:.0f}, {r['cold']['presign']['first_ms']:.0f}")
    add("cold: login, client ms", lambda r: f"{r['cold']['client_ms']:.0f}")
    add("cold: our CPU to the first 302, ms", lambda r: f"{r['cold']['cpu_ms']:.1f}")
    add("warm login, client ms p50", lambda r: f"{percentile(r['warm']['client_ms'], .5):.1f}")
    add("warm login, client ms p99", lambda r: f"{percentile(r['warm']['client_ms'], .99):.1f}")
    for name in NAMES:
        add(f"warm {name} duration ms p50 / p99",
            lambda r, n=name: f"{percentile(r['warm'][n]['durations_ms'], .5):.1f}/{percentile(r['warm'][n]['durations_ms'], .99):.1f}")
        add(f"warm {name} CPU ms per login (user space)",
            lambda r, n=name: f"{r['warm'][n]['cpu_ms_per_login']:.2f} ({r['warm'][n]['user_cpu_ms_per_login']:.2f})")
    add("warm: our CPU per login (both), ms", lambda r: f"{r['warm']['cpu_ms_per_login']:.2f}")
    add("warm: of which user space, ms", lambda r: f"{sum(r['warm'][n]['user_cpu_ms_per_login'] for n in NAMES):.2f}")
    add("warm: share of the login spent waiting",
        lambda r: f"{1 - r['warm']['cpu_ms_per_login'] / statistics.median(r['warm']['client_ms']):.0%}")
    for name in NAMES:
        add(f"peak RSS MiB {name}", lambda r, n=name: f"{r['peak_rss_mib'][n]:.1f}")
        add(f"zipped package MB {name}", lambda r, n=name: f"{r['package_bytes'][n] / 1e6:.2f}")
    add("memory setting MB (validator, presign)", lambda r: f"{r['memory_mb']['saml-validator']}, {r['memory_mb']['presign']}")
    add("model: warm login on Lambda at that memory, ms", lambda r: f"{modelled_login_ms(r['warm'], r['memory_mb']):.0f}")
    add("model: cold CPU on Lambda at that memory, ms",
        lambda r: f"{sum(r['cold'][n]['cpu_ms'] * max(1.0, FULL_VCPU_MB / r['memory_mb'][n]) for n in NAMES):.0f}")
    add("model: USD per million warm logins", lambda r: f"{r['usd_per_million']:.2f}")
    for kind in ("burst", "same_user"):
        add(f"{kind}: logins / errors / profiles", lambda r, k=kind: f"{r[k]['logins']}/{r[k]['errors']}/{r[k]['profiles']}")
        add(f"{kind}: client ms p50 / p99",
            lambda r, k=kind: f"{percentile(r[k]['client_ms'], .5):.0f}/{percentile(r[k]['client_ms'], .99):.0f}")
    return lines


def main(args) -> int:
    rust = pathlib.Path(args.rust).resolve() if args.rust else binaries_dir().parent / "release"
    if args.short:
        args.logins, args.burst, args.same_user = 4, 4, 3
        if not args.rust:
            rust = binaries_dir()
    others = [tuple(also.split("=", 1)) for also in args.also]
    if any(len(other) != 2 or other[0] == "python" for other in others):
        raise SystemExit("perf: --also takes LABEL=FOLDER, a label other than python")
    implementations = ([("studiogate", rust)] + [(label, pathlib.Path(folder).resolve()) for label, folder in others]
                       + ([] if args.no_python else [("python", PYTHON_REFERENCE)]))
    results = [measure(label, binaries, args) for label, binaries in implementations]
    failures = [f"{r['label']} {kind}: {r[kind]['errors']} errors, {r[kind]['profiles']} profiles of {r[kind]['users']} users"
                for r in results for kind in ("burst", "same_user")
                if r[kind]["errors"] or r[kind]["profiles"] != r[kind]["users"]]
    print(f"perf: {args.logins} warm logins, a burst of {args.burst} new users and {args.same_user} logins of one new user; "
          f"{platform.machine()}, {os.cpu_count()} cores; studiogate from {rust}")
    for line in report(results):
        print(line)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps({"price": PRICE, "short": args.short, "results": results}, indent=1))
    for failure in failures:
        print(f"perf: FAILED: {failure}")
    print("logs: " + ", ".join(f"{r['label']} {r['logs']}" for r in results))
    return 1 if failures else 0
