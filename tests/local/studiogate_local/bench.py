"""Login latency on the local stack: N logins of a returning user, N of a new user each time (a
profile is created), N refused (unsigned), and N chooser pages. Prints, per kind, the client-side
time from POST /saml/acs to the answer and saml-validator's own `latency_ms` (its audit record).

    python -m studiogate_local bench [--logins 20]

The numbers are of debug builds under `cargo lambda watch` and a Python emulator on one machine:
they compare versions of the broker with each other, not with AWS.
"""

from __future__ import annotations

import json
import statistics
import time
import types

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


def peak_rss_kib(command_name: str) -> int | None:
    """VmHWM (peak resident set) of the running process with this name, from /proc."""
    import pathlib

    for comm in pathlib.Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() != command_name[:15]:
                continue
            for line in (comm.parent / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            continue
    return None


def main(args) -> int:
    options = types.SimpleNamespace(
        ports="auto", log_dir=None, config="examples/local/studiogate.toml", idp_world="examples/local/idp.json",
        ignore_changes=True, accept_acs_as_recipient=False, build_timeout=1800, quiet=True, ready_line=False,
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
            before = set(_audits(stack.log_dir / "functions.log"))
            client = []
            for index in range(args.logins):
                status, elapsed = run(index)
                if status != expected:
                    raise RuntimeError(f"{name}: HTTP {status}, expected {expected}")
                client.append(elapsed)
            time.sleep(0.5)
            audits = [a["latency_ms"] for rid, a in _audits(stack.log_dir / "functions.log").items() if rid not in before]
            if not audits:
                raise RuntimeError(f"{name}: no audit records in {stack.log_dir / 'functions.log'}")
            print(f"{name:34} {_percentile(client, .5):7.1f} {_percentile(client, .9):7.1f} {max(client):7.1f} | "
                  f"{statistics.median(audits):7.1f} {_percentile(audits, .9):7.1f}")
        for name in ("saml-validator", "presign"):
            peak = peak_rss_kib(name)
            print(f"{name} peak RSS (debug build, VmHWM): {peak / 1024:.1f} MiB" if peak else f"{name}: not found")
        return 0
    finally:
        stack.stop()
