#!/usr/bin/env bash
# Builds both functions as Lambda sees them (`cargo lambda build --release --arm64`) and checks that
# each bootstrap needs nothing at run time but the C library, at a glibc no newer than
# provided.al2023's 2.34. Prints each binary's size.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
target="${CARGO_TARGET_DIR:-target}"
cargo lambda build --release --arm64 -p saml-validator -p presign

allowed='^(libc\.so\.6|libm\.so\.6|libgcc_s\.so\.1|ld-linux-aarch64\.so\.1|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1)$'
status=0
for fn in saml-validator presign; do
  bin="$target/lambda/$fn/bootstrap"
  machine=$(readelf -h "$bin" | awk -F: '/Machine/ {gsub(/^ +/, "", $2); print $2}')
  needed=$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
  newest_glibc=$(readelf -V "$bin" | grep -o 'GLIBC_[0-9.]*' | sort -t. -k2,2n -k3,3n -u | tail -1)
  size=$(stat -c %s "$bin")
  echo "$fn: $machine, $size bytes, needs: $(echo $needed), newest symbol version: ${newest_glibc:-none}"
  [ "$machine" = "AArch64" ] || { echo "  FAIL: not an arm64 binary"; status=1; }
  for lib in $needed; do
    [[ "$lib" =~ $allowed ]] || { echo "  FAIL: needs $lib, which provided.al2023 does not guarantee"; status=1; }
  done
  if [ -n "$newest_glibc" ]; then
    minor=${newest_glibc#GLIBC_2.}; minor=${minor%%.*}
    [ "$minor" -le 34 ] || { echo "  FAIL: needs $newest_glibc, newer than provided.al2023's glibc 2.34"; status=1; }
  fi
done
exit $status
