#!/usr/bin/env bash
# Every test studiogate has: unit tests, the SAML conformance corpus, the CLI, the Lambda handlers
# in-process, the differential oracle (xmlsec1 + lxml against the validator), the local AWS
# emulator (its own pytest suite and the Rust harness), the local Lambda
# service (tests/lambda), the full stack over HTTP and in headless Chromium (tests/local), the main
# command's --once login, the SAM template
# (cfn-lint, sam validate --lint, the policy and contract checks), the template's IAM policies
# rendered and evaluated by a simulator (tests/iam), every fuzz target briefly (nightly, its own
# target directory) and `sam build` of both arm64 functions. Sets up
# what it needs first (scripts/setup.sh). Ends with one line: `studiogate: N passed, M failed, K skipped`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed_steps=0
started=$SECONDS
# Each step's header carries the minutes:seconds since the start, so a CI log shows where time goes.
step() { printf '== [%d:%02d] %s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)) "$*"; }

step "cargo build --workspace --bins (the functions and the CLI the Python suites run)"
# Once, with the one package selection every later step uses (run-local.sh runs the same command),
# so no second feature set is compiled; before the emulator's suite, which calls the studiogate CLI.
cargo build --quiet --workspace --bins || failed_steps=$((failed_steps + 1))

step "cargo test (unit, conformance corpus, CLI, emulator harness)"
cargo test --workspace --no-fail-fast 2>&1 | tee "$log" || failed_steps=$((failed_steps + 1))

step "the main command's proof: ./scripts/run-local.sh --once"
if ./scripts/run-local.sh --once --ports auto --quiet 2>&1 | grep -v '^STACK_READY='; then
  echo "test result: ok. 1 passed; 0 failed" >> "$log"
else
  echo "test result: FAILED. 0 passed; 1 failed" >> "$log"; failed_steps=$((failed_steps + 1))
fi

step "template.yaml and template-spoke.yaml: cfn-lint, sam validate --lint, policy and contract checks (pytest, tests/template)"
# Both templates: the hub (template.yaml) and what a spoke account deploys (template-spoke.yaml).
if cfn-lint template.yaml template-spoke.yaml; then echo "test result: ok. 1 passed; 0 failed" >> "$log"; else echo "test result: FAILED. 0 passed; 1 failed" >> "$log"; failed_steps=$((failed_steps + 1)); fi
if SAM_CLI_TELEMETRY=0 .venv-sam/bin/sam validate --region us-east-1 \
  && SAM_CLI_TELEMETRY=0 .venv-sam/bin/sam validate --lint --template template-spoke.yaml --region us-east-1; then   # samconfig.toml: --lint
  echo "test result: ok. 1 passed; 0 failed" >> "$log"
else
  echo "test result: FAILED. 0 passed; 1 failed" >> "$log"; failed_steps=$((failed_steps + 1))
fi
(cd tests/template && ../../.venv/bin/python -m pytest -q -p no:cacheprovider .) 2>&1 | tee -a "$log" || failed_steps=$((failed_steps + 1))

step "in the background, at the lowest CPU priority: the fuzz targets' build, then sam build (checked at the end)"
# Both are long compiles that need nothing from the suites below, which mostly wait on budgets and
# sockets; nice 19 gives the suites the CPU whenever they want it. They use their own target folders
# (FUZZ_TARGET_DIR; sam build's arm64 release folder), and nothing below runs cargo build, so no step
# waits on a build lock.
background=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$background"' EXIT
(
  nice -n 19 ./scripts/fuzz.sh --build >"$background/fuzz-build.out" 2>&1; echo $? >"$background/fuzz-build.rc"
  nice -n 19 ./scripts/check-lambda-build.sh >"$background/sam-build.out" 2>&1; echo $? >"$background/sam-build.rc"
) &
background_pid=$!

step "local AWS emulator (pytest)"
(cd tests/emulator && ../../.venv/bin/python -m pytest -q -p no:cacheprovider tests) 2>&1 | tee -a "$log" || failed_steps=$((failed_steps + 1))

step "differential oracle: xmlsec1 and lxml read every accepted response as the validator does (pytest, tests/oracle)"
(cd tests/oracle && ../../.venv/bin/python -m pytest -q -p no:cacheprovider tests) 2>&1 | tee -a "$log" || failed_steps=$((failed_steps + 1))

step "local Lambda service: Runtime API, scaling, timeouts, Invoke and function URLs (pytest, tests/lambda)"
(cd tests/lambda && ../../.venv/bin/python -m pytest -q -p no:cacheprovider tests) 2>&1 | tee -a "$log" || failed_steps=$((failed_steps + 1))

step "local stack: the whole login over HTTP and in Chromium, IAM enforced (pytest, tests/local)"
# The binaries of the build step above; the stack builds nothing.
(cd tests/local && ../../.venv/bin/python -m pytest -q -p no:cacheprovider tests) 2>&1 | tee -a "$log" || failed_steps=$((failed_steps + 1))

step "performance harness, short mode, so it cannot rot: studiogate and the Python reference side by side (numbers: BENCHMARKS.md)"
# A few logins of each kind on the debug build; it fails when a login or a burst does, never on time.
if (cd tests/local && ../../.venv/bin/python -m studiogate_local perf --short) 2>&1 | tee -a "$log" | tail -4; then
  echo "test result: ok. 1 passed; 0 failed" >> "$log"
else
  echo "test result: FAILED. 0 passed; 1 failed" >> "$log"; failed_steps=$((failed_steps + 1))
fi

step "IAM: template policies rendered and evaluated by iam-simulate (pytest, tests/iam)"
(cd tests/iam && ../../.venv/bin/python -m pytest -q -p no:cacheprovider tests) 2>&1 | tee -a "$log" || failed_steps=$((failed_steps + 1))

step "waiting for the background builds"
wait "$background_pid" || true

step "fuzz targets, briefly, so they cannot rot (scripts/fuzz.sh --smoke; campaigns: RELIABILITY.md)"
if [ "$(cat "$background/fuzz-build.rc")" != 0 ]; then cat "$background/fuzz-build.out"; fi
fuzz_out=$(./scripts/fuzz.sh --smoke 2>&1) || failed_steps=$((failed_steps + 1))
echo "$fuzz_out" | grep '^fuzz ' || echo "$fuzz_out" | tail -20
echo "$fuzz_out" | grep '^fuzz ' | awk '{ if ($0 ~ /: ok$/) print "test result: ok. 1 passed; 0 failed"; else print "test result: FAILED. 0 passed; 1 failed" }' >> "$log"

step "sam build: both arm64 bootstraps, their dynamic dependencies and zipped sizes (built in the background above)"
cat "$background/sam-build.out"
if [ "$(cat "$background/sam-build.rc")" = 0 ]; then echo "test result: ok. 1 passed; 0 failed" >> "$log"; else echo "test result: FAILED. 0 passed; 1 failed" >> "$log"; failed_steps=$((failed_steps + 1)); fi

# Sum cargo's `test result:` lines and the corpus line into one closing line.
read -r passed failed skipped < <(awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
  /^conformance: / { p += $2; f += $4; s += $6 }
  /^[0-9]+ [a-z]+.* in [0-9.]+s/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^skipped/) s += $i; if ($(i+1) ~ /^error/) f += $i } }
  END { print p + 0, f + 0, s + 0 }' "$log")
step "done"
echo "studiogate: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$failed_steps" -eq 0 ]
