#!/usr/bin/env bash
# studiogate's main command: the local stack. The AWS emulator (the stack of template.yaml with IAM
# enforced: an IAM SAML provider, roles, a SageMaker domain with lifecycle configs, an IAM-mode and an
# Identity Center-mode EMR Studio, the replay table, one listener per VPC endpoint), both functions
# on the local Lambda service (each with its own role's credentials and network), and a local
# pysaml2 IdP that shows one tile per target and role. It prints where to click; Ctrl-C stops it.
#
#   ./scripts/run-local.sh            # run it, click tiles at http://127.0.0.1:8000/
#   ./scripts/run-local.sh --once     # one login headlessly through the IdP; prints the Studio
#                                     # domain and profile it opened, exits 0
# More options: ./scripts/run-local.sh --help (free ports, log folder, which user and tile for --once).
#
# It builds the binaries first with the command ./scripts/test-all.sh uses (`cargo build --workspace
# --bins`: one feature set; a no-op when they are current). $CARGO_TARGET_DIR picks the target folder.
set -euo pipefail
cd "$(dirname "$0")/.."
case " $* " in *" -h "*|*" --help "*) ;; *)
  ./scripts/setup.sh
  echo "run-local: cargo build --workspace --bins (a no-op when current; 10-20 minutes from a fresh clone)" >&2
  cargo build --workspace --bins ;;
esac
cd tests/local
exec ../../.venv/bin/python -m studiogate_local stack "$@"
