#!/usr/bin/env bash
# Starts the local AWS emulator on 127.0.0.1:4566 (pass --port 0 for a free port), seeded with the
# default world (tests/emulator/worlds/default.json: template.yaml's stack, rendered), and prints its
# endpoint. Every call is authorized with the stack's IAM policies; the operator key administers the
# account (tests/emulator/README.md, "IAM"). Ctrl-C stops it.
#   export AWS_ENDPOINT_URL=<printed endpoint> AWS_ACCESS_KEY_ID=AKIAEMULATOROPERATOR AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cd tests/emulator
exec ../../.venv/bin/python -m studiogate_emulator serve --port 4566 --seed worlds/default.json "$@"
