#!/usr/bin/env bash
# `studiogate inspect` on a bundled real-IdP sample (pysaml2), once with
# the matching configuration (accepted) and once with the AWS defaults (rejected, with the reason).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo build --quiet -p studiogate-cli
bin="${CARGO_TARGET_DIR:-target}/debug/studiogate"
sample=examples/inspect

echo "== studiogate config check $sample/studiogate.toml"
"$bin" config check "$sample/studiogate.toml"

echo
echo "== studiogate inspect --config $sample/studiogate.toml --now 2026-11-23T18:00:00Z $sample/pysaml2-response.xml"
"$bin" inspect --config "$sample/studiogate.toml" --now 2026-11-23T18:00:00Z "$sample/pysaml2-response.xml"

echo
echo "== the same response against the AWS default Recipients (expect: reject, recipient-mismatch)"
set +e
"$bin" inspect --idp-cert "$sample/idp-cert.pem" --idp-entity-id urn:example:pysaml2-idp \
  --acs-url http://127.0.0.1:9000/saml/acs --now 2026-11-23T18:00:00Z "$sample/pysaml2-response.xml"
code=$?
set -e
echo "exit code $code (0 accept, 1 reject, 2 usage or configuration error)"
[ "$code" -eq 1 ]
