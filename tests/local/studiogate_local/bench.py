"""Login latency on the local stack: N logins of a returning user, N of a new user each time (a
profile is created), N refused (unsigned), and N chooser pages. Prints, per kind, the client-side
time from POST /saml/acs to the answer and saml-validator's own `latency_ms` (its audit record).

    python -m studiogate_local bench [--logins 20]

Then, per function, what the local Lambda service measured (tests/lambda: `/_lambda/stats`): cold
starts and their init duration, warm invocation durations, peak RSS. The numbers are of debug builds
on the local Lambda service and a Python emulator (IAM enforced) on one machine: they compare versions
of the broker with each other, not with AWS.
"""

from __future__ import annotations

import json
import statistics
import time
import types
import urllib.request

from .once import request
from .stack import Stack


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _audits(log_file) -> dict[str, dict]:
    found = {}
    for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines():
        if '"message":"login"' in line:
            record = json.loads(json.loads(line)["fields"]["audit"])
            found[record["request_id"]] = record
    return found


def lambda_report(functions_url: str) -> list[str]:
    """Per function: environments, cold starts (init ms), warm durations, peak RSS (VmHWM)."""
    with urllib.request.urlopen(f"{functions_url}/_lambda/stats", timeout=30) as answer:
        stats = json.loads(answer.read())["functions"]
    lines = []
    for name, function in stats.items():
        environments = function["environments"]
        inits = [e["init_ms"] for e in environments if e["init_ms"] is not None]
        warm = [r["duration_ms"] for e in environments for r in e["invocations"] if not r["cold"] and r["duration_ms"]]
        peak = max((e["peak_rss_kib"] or 0 for e in environments), default=0)
        lines.append(
            f"{name}: {len(environments)} environment(s), {function['cold_starts']} cold start(s), init "
            f"{statistics.median(inits) if inits else 0:.1f} ms; {len(warm)} warm invocations p50 "
            f"{_percentile(warm, .5) if warm else 0:.1f} ms p99 {_percentile(warm, .99) if warm else 0:.1f} ms; "
            f"peak RSS {peak / 1024:.1f} MiB (of {function['memory']} MB)")
    return lines


def main(args) -> int:
    options = types.SimpleNamespace(
        ports="auto", log_dir=None, config="examples/local/studiogate.toml", idp_world="examples/local/idp.json",
        binaries=None, accept_signin_recipient=False, quiet=True, ready_line=False,
    )
    stack = Stack(options)
    try:
        ready = stack.start()
        from .idp import LocalIdp, load_world
        from .stack import ROOT

        idp = LocalIdp(load_world(str(ROOT / options.idp_world)), ready["idp"], f"{ready['broker']}/saml/metadata")
        # Extra users, so each "new user" login creates a profile.
        for index in range(args.logins + 3):
            idp.world["users"][f"user{index}"] = {"name": f"User {index}", "name_id": f"user{index}@example.com",
                                                   "groups": ["analysts"], "roles": ["StudioUser", "StudioAdmin"]}

        def post(user: str, tile: str, **knobs) -> tuple[int, float]:
            posted = idp.sign_in(user, tile, knobs)
            fields = {"SAMLResponse": posted["SAMLResponse"]}
            if posted["RelayState"]:
                fields["RelayState"] = posted["RelayState"]
            started = time.perf_counter()
            status, _, _ = request("POST", ready["acs"], fields)
            return status, (time.perf_counter() - started) * 1000

        kinds = {
            "returning user (profile exists)": (302, lambda i: post("alice", "sagemaker-user")),
            "new user (profile created)": (302, lambda i: post(f"user{i}", "sagemaker-user")),
            "chooser page": (200, lambda i: post("alice", "sagemaker-choose")),
            "refused (unsigned)": (403, lambda i: post("alice", "sagemaker-user", sign="none")),
        }
        post("alice", "sagemaker-user")  # warm: alice's profile exists from here on
        post(f"user{args.logins + 2}", "sagemaker-user")
        print(f"{args.logins} logins per kind; ms from POST /saml/acs to the answer (client) | saml-validator latency_ms")
        print(f"{'kind':34} {'p50':>7} {'p90':>7} {'max':>7} | {'p50':>7} {'p90':>7}")
        for name, (expected, run) in kinds.items():
            before = set(_audits(stack.log_dir / "saml-validator.log"))
            client = []
            for index in range(args.logins):
                status, elapsed = run(index)
                if status != expected:
                    raise RuntimeError(f"{name}: HTTP {status}, expected {expected}")
                client.append(elapsed)
            time.sleep(0.5)
            audits = [a["latency_ms"] for rid, a in _audits(stack.log_dir / "saml-validator.log").items() if rid not in before]
            if not audits:
                raise RuntimeError(f"{name}: no audit records in {stack.log_dir / 'saml-validator.log'}")
            print(f"{name:34} {_percentile(client, .5):7.1f} {_percentile(client, .9):7.1f} {max(client):7.1f} | "
                  f"{statistics.median(audits):7.1f} {_percentile(audits, .9):7.1f}")
        for line in lambda_report(ready["functions"]):
            print(line)
        return 0
    finally:
        stack.stop()
