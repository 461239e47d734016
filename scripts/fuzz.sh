#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/, cargo-fuzz on the nightly toolchain, AddressSanitizer) and runs
# each for a while, seeded with its committed corpus (fuzz/corpus/TARGET), the conformance corpus
# (the XML targets). Prints one line per target: executions, time,
# coverage, and whether it found anything (a crash or a timeout fails the run; libFuzzer keeps the
# input in fuzz/artifacts/TARGET). New interesting inputs go to a working corpus outside the repo
# (~/.cache/studiogate/fuzz-corpus); `--minimize` merges them into fuzz/corpus to commit.
#
#   ./scripts/fuzz.sh                  # every target, 60 s each
#   ./scripts/fuzz.sh 600 validator    # one target, 10 minutes
#   ./scripts/fuzz.sh --smoke          # every target briefly (the test command: they must not rot)
#   ./scripts/fuzz.sh --minimize       # merge the working corpora into fuzz/corpus (smallest set)
#   ./scripts/fuzz.sh --build          # only build the targets (the test command does it in the background)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.1
TARGETS=(binding xml validator signed_mutation decryption config sealed_request http_adapter)
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/studiogate/fuzz-target}"
WORK="${FUZZ_WORK_DIR:-$HOME/.cache/studiogate/fuzz-corpus}"

mode=run
seconds=60
if [ "${1:-}" = "--smoke" ]; then mode=smoke; seconds=8; shift
elif [ "${1:-}" = "--minimize" ]; then mode=minimize; shift
elif [ "${1:-}" = "--build" ]; then mode=build; shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds=$1; shift
fi
[ $# -gt 0 ] && TARGETS=("$@")

# The toolchain and cargo-fuzz, pinned; the product itself builds on stable.
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --quiet
fi

# Seeds every run starts from (read only): the conformance corpus's documents and the test kit's.
seeds="$CARGO_TARGET_DIR/seeds"
rm -rf "$seeds"; mkdir -p "$seeds/xml"
find tests/fixtures/saml-corpus -name '*.xml' ! -path '*/_certs/*' -exec cp {} "$seeds/xml/" \;

cd fuzz
cargo +nightly fuzz build --release --debug-assertions >/dev/null 2>&1 || cargo +nightly fuzz build --release --debug-assertions
[ "$mode" = build ] && exit 0

# One target: runs it, prints its line, returns non-zero if it found something.
run_target() {
  local target=$1 log extra=() verdict runs cov features
  mkdir -p "$WORK/$target" "corpus/$target" "artifacts/$target"
  case "$target" in
    validator|xml) extra=("$seeds/xml") ;;
  esac
  log="$WORK/$target.log"
  if cargo +nightly fuzz run --release --debug-assertions "$target" "$WORK/$target" "corpus/$target" "${extra[@]}" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 \
      -artifact_prefix="artifacts/$target/" >"$log" 2>&1; then
    verdict=ok
  else
    verdict="FOUND SOMETHING (see fuzz/artifacts/$target, $log)"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  features=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  echo "fuzz $target: ${runs:-0} executions in ${seconds}s, coverage ${cov:-?} edges, ${features:-?} features: $verdict"
  [ "$verdict" = ok ]
}

status=0
if [ "$mode" = minimize ]; then
  for target in "${TARGETS[@]}"; do
    mkdir -p "$WORK/$target" "corpus/$target"
    # Adds to the committed corpus only the inputs found since that cover something it does not.
    cargo +nightly fuzz run --release "$target" "corpus/$target" "$WORK/$target" -- -merge=1 >/dev/null 2>&1
    echo "fuzz $target: corpus/$target holds $(ls "corpus/$target" | wc -l) inputs, $(du -sh "corpus/$target" | cut -f1)"
  done
elif [ "$mode" = smoke ]; then
  # Two targets at a time (one per core), lines printed in order.
  results=$(mktemp -d)
  for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
    for target in "${TARGETS[@]:i:2}"; do
      ( run_target "$target" >"$results/$target" 2>&1; echo $? >"$results/$target.rc" ) &
    done
    wait
  done
  for target in "${TARGETS[@]}"; do
    cat "$results/$target"
    [ "$(cat "$results/$target.rc")" = 0 ] || status=1
  done
  rm -rf "$results"
else
  for target in "${TARGETS[@]}"; do
    run_target "$target" || status=1
  done
fi
exit $status
