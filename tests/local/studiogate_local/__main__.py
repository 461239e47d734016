"""`python -m studiogate_local stack [--once] [--ports auto] ...`: the local stack (see stack.py).
`python -m studiogate_local perf [--rust DIR] [--short] ...`: studiogate against the Python way, side by side
(see perf.py).
`python -m studiogate_local mint-acs-event --front-door function-url|http-api [--tile T] [--user U]`:
a saml-validator event for `cargo lambda invoke`, with a fresh signed form body from the local IdP.
"""

from __future__ import annotations

import argparse
import sys


def main() -> int:
    parser = argparse.ArgumentParser(prog="studiogate_local")
    sub = parser.add_subparsers(dest="command", required=True)
    stack = sub.add_parser("stack", help="run the emulator, both functions and the local IdP")
    stack.add_argument("--once", action="store_true", help="drive one login headlessly, print what opened, exit")
    stack.add_argument("--ports", choices=["fixed", "auto"], default="fixed", help="4566/9000/8000, or free ports")
    stack.add_argument("--config", default="examples/local/studiogate.toml", help="broker configuration template")
    stack.add_argument("--idp-world", default="examples/local/idp.json", help="the IdP's users and tiles")
    stack.add_argument("--log-dir", help="where the logs and the generated configuration go (default: a temp dir)")
    stack.add_argument("--binaries", help="the folder of the built saml-validator and presign "
                       "(default: $CARGO_TARGET_DIR/debug, else target/debug)")
    stack.add_argument("--accept-signin-recipient", action="store_true",
                       help="tests only: let the validator also accept the AWS sign-in Recipient (the stack's trust "
                            "policy will not)")
    stack.add_argument("--user", default="alice", help="--once: who signs in")
    stack.add_argument("--tile", default="sagemaker-user", help="--once: which tile they click")
    stack.add_argument("--quiet", action="store_true")
    mint = sub.add_parser("mint-acs-event", help="print a saml-validator ACS event with a fresh signed form body")
    mint.add_argument("--front-door", choices=["function-url", "http-api"], default="function-url")
    mint.add_argument("--broker", default="http://127.0.0.1:9000/lambda-url/saml-validator", help="the running broker (for its SP metadata)")
    mint.add_argument("--idp-world", default="examples/local/idp.json")
    mint.add_argument("--user", default="alice")
    mint.add_argument("--tile", default="sagemaker-user")
    perf = sub.add_parser("perf", help="measure studiogate and the Python reference side by side, each on a stack of its own")
    perf.add_argument("--rust", help="the folder of studiogate's binaries (default: the target directory's release)")
    perf.add_argument("--logins", type=int, default=200, help="a returning user's warm logins")
    perf.add_argument("--burst", type=int, default=100, help="new users logging in at once")
    perf.add_argument("--same-user", type=int, default=20, help="logins of one new user at once")
    perf.add_argument("--no-python", action="store_true", help="measure studiogate only")
    perf.add_argument("--also", action="append", default=[], metavar="LABEL=FOLDER",
                      help="another build of studiogate's binaries, measured in the same run after the first (repeatable)")
    perf.add_argument("--short", action="store_true",
                      help="the test command's smoke run: a few logins of each kind, default binaries the debug build")
    args = parser.parse_args()
    if args.command == "perf":
        from .perf import main as run_perf

        return run_perf(args)
    if args.command == "stack":
        from .stack import main as run_stack

        return run_stack(args)
    from .events import main as mint_event

    return mint_event(args)


if __name__ == "__main__":
    sys.exit(main())
