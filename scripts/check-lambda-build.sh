#!/usr/bin/env bash
# Builds both functions the way a deployment does (`sam build`: template.yaml's BuildMethod
# rust-cargolambda, `cargo lambda build --release --arm64` per function) and checks that each
# bootstrap is arm64 and needs nothing at run time but the C library, at a glibc no newer than
# provided.al2023's 2.34. Prints each binary's size and its size zipped (what Lambda stores).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"   # cargo-lambda, for sam build
export SAM_CLI_TELEMETRY=0
build_dir="${SAM_BUILD_DIR:-.aws-sam/build}"
# The newcomer's command, with samconfig.toml's build settings.
.venv-sam/bin/sam build --build-dir "$build_dir"

allowed='^(libc\.so\.6|libm\.so\.6|libgcc_s\.so\.1|ld-linux-aarch64\.so\.1|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1)$'
status=0
for fn in SamlValidatorFunction PresignFunction OffboardFunction; do
  bin="$build_dir/$fn/bootstrap"
  machine=$(readelf -h "$bin" | awk -F: '/Machine/ {gsub(/^ +/, "", $2); print $2}')
  needed=$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
  newest_glibc=$(readelf -V "$bin" | grep -o 'GLIBC_[0-9.]*' | sort -t. -k2,2n -k3,3n -u | tail -1)
  size=$(stat -c %s "$bin")
  zipped=$(.venv/bin/python -c 'import io, sys, zipfile
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.write(sys.argv[1], "bootstrap")
print(len(buffer.getvalue()))' "$bin")
  echo "$fn: $machine, $size bytes ($zipped zipped), needs: $(echo $needed), newest symbol version: ${newest_glibc:-none}"
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
