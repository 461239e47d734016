"""`python -m studiogate_emulator serve [--host 127.0.0.1] [--port 0] [--seed WORLD.json] [--no-warm] [--parent-pid PID]
     [--public-ip 203.0.113.10] [--corporate-cidr 198.51.100.0/24] [--lambda-runtime URL]`
`python -m studiogate_emulator mint-presign-event --endpoint URL --target KEY [--session NAME] [--groups a,b]`

Starts the emulator on a free loopback port (port 0: the "internet" listener) and a "corporate"
listener, warms each service and the IAM simulator, optionally seeds a world (which adds one listener
per interface endpoint of the stack), then prints `EMULATOR_WORLD=<json>` (when seeded) and one line
`EMULATOR_ENDPOINT=http://127.0.0.1:PORT`, and serves until killed, or until --parent-pid exits.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

from . import seed
from .server import Emulator, warm


def _watch_parent(pid: int) -> None:
    while True:
        try:
            os.kill(pid, 0)
        except OSError:
            os._exit(0)
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(prog="studiogate_emulator")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the emulator")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--seed", help="a world file to create (JSON)")
    serve.add_argument("--no-warm", action="store_true")
    serve.add_argument("--parent-pid", type=int)
    serve.add_argument("--public-ip", default="203.0.113.10", help="aws:SourceIp of the internet listener")
    serve.add_argument("--corporate-cidr", default="198.51.100.0/24", help="the corporate network's addresses")
    serve.add_argument("--lambda-runtime", help="where Lambda Invoke calls run once authorized (a Lambda service's Invoke API)")
    serve.add_argument("--studio-network", choices=("internet", "corporate", "vpc"), default="internet",
                       help="the network the browser opens Studio from (vpc: the seeded stack's Studio endpoint); "
                            "a reset returns to it")
    mint = sub.add_parser("mint-presign-event", help="print a presign request with fresh emulator credentials")
    mint.add_argument("--endpoint", required=True)
    mint.add_argument("--target", required=True)
    mint.add_argument("--session", default="alice")
    mint.add_argument("--groups", default="")
    args = parser.parse_args()
    if args.command == "mint-presign-event":
        from . import mint as minting

        return minting.main(args)

    app = Emulator()
    app.host = args.host
    app.defaults.update({"public_ip": args.public_ip, "corporate_cidr": args.corporate_cidr, "lambda_runtime": args.lambda_runtime,
                         "studio_network": args.studio_network})
    app.config.update(app.defaults)
    app.listen("internet", args.port)
    app.listen("corporate")
    if not args.no_warm:
        warm(app)
    if args.seed:
        with open(args.seed, encoding="utf-8") as handle:
            world = seed.seed(app, json.load(handle), base_dir=os.path.dirname(os.path.abspath(args.seed)))
        print("EMULATOR_WORLD=" + json.dumps(world), flush=True)
    print(f"EMULATOR_ENDPOINT={app.endpoint}", flush=True)
    if args.parent_pid:
        threading.Thread(target=_watch_parent, args=(args.parent_pid,), daemon=True).start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
