#!/usr/bin/env bash
# studiogate's main command: the local stack. The AWS emulator (seeded with an IAM SAML provider,
# roles, a SageMaker domain with lifecycle configs, an IAM-mode and an Identity Center-mode EMR
# Studio, the replay table), both functions under `cargo lambda watch` pointed at it, and a local
# pysaml2 IdP that shows one tile per target and role. It prints where to click; Ctrl-C stops it.
#
#   ./scripts/run-local.sh            # run it, click tiles at http://127.0.0.1:8000/
#   ./scripts/run-local.sh --once     # one login headlessly through the IdP; prints the Studio
#                                     # domain and profile it opened, exits 0
# More options: ./scripts/run-local.sh --help (free ports, log folder, which user and tile for --once).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cd tests/local
exec ../../.venv/bin/python -m studiogate_local stack "$@"
