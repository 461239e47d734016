#!/usr/bin/env bash
# Installs what studiogate's commands need, idempotently: the Debian packages the local IdP and the
# browser test use (xmlsec1, chromium, chromium-driver), the independent IdPs of the local tests
# (python3-lasso, simplesamlphp, php-xml, php-cli), Node.js and npm when node is missing, a
# Python virtualenv in ./.venv with the pinned tools of requirements.txt, the SAM CLI in ./.venv-sam
# (requirements-sam.txt; both built once per machine and linked), the npm packages of the IAM simulator and of the samlify IdP (each
# package-lock.json), and the rustup components/targets. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: xmlsec1 (pysaml2 signs with it), chromium + chromium-driver (the browser test),
# python3-lasso, simplesamlphp, php-xml and php-cli (IdPs other than pysaml2 mint responses in
# tests/local/tests/test_independent_idps.py; python3-lasso is for Debian's /usr/bin/python3),
# nodejs + npm (the IAM simulator, tests/iam/simulator) unless a node is installed already.
missing=()
command -v xmlsec1 >/dev/null 2>&1 || missing+=(xmlsec1)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
for package in python3-lasso simplesamlphp php-xml; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
command -v php >/dev/null 2>&1 || missing+=(php-cli)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); elif command -v sudo >/dev/null 2>&1; then apt=(sudo apt-get); else apt=(); fi
  if [ ${#apt[@]} -eq 0 ]; then
    echo "setup: install these Debian packages first: ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { "${apt[@]}" update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null; }
fi

# The virtualenvs: one per requirements file and content, built once per machine under
# ~/.cache/studiogate/venvs (STUDIOGATE_VENV_CACHE) and linked from the clone (.venv, .venv-sam), so a
# fresh clone does not reinstall the same pinned packages. A venv records its own path, so it is built
# at its final place (under a lock) and marked complete last; a half-built one is rebuilt.
venv_cache="${STUDIOGATE_VENV_CACHE:-$HOME/.cache/studiogate/venvs}"
linked_venv() {  # linked_venv LINK REQUIREMENTS
  local link=$1 requirements=$2 python_version want dir
  python_version=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  want=$(cat "$requirements" | sha256sum | cut -c1-16)
  dir="$venv_cache/${link#.}-py$python_version-$want"
  mkdir -p "$venv_cache"
  (
    flock 9
    if [ ! -f "$dir/.complete" ]; then
      rm -rf "$dir"
      python3 -m venv "$dir"
      "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
      touch "$dir/.complete"
    fi
  ) 9>"$venv_cache/.lock"
  if [ "$(readlink "$link" 2>/dev/null)" != "$dir" ]; then
    rm -rf "$link"   # an older clone's own virtualenv, or a link to the previous requirements
    ln -s "$dir" "$link"
  fi
}
linked_venv .venv requirements.txt

# cargo-lambda's zig wrappers (cargo-zigbuild, in ~/.cache/cargo-zigbuild) exec cargo-lambda by the
# path of its running executable, and that path reaches the release arm64 build's linker and CC
# flags: run from a clone's own .venv, a clone at a new path rebuilt every arm64 dependency. The
# linked virtualenv's path still changes with requirements.txt, so the executable lives at one path
# per cargo-lambda version on this machine, and .venv/bin links to it.
if [ -f .venv/bin/cargo-lambda ] && [ ! -L .venv/bin/cargo-lambda ]; then
  lambda_version=$(.venv/bin/cargo-lambda lambda --version | awk '{print $2}')
  lambda_home="$HOME/.cache/studiogate/tools/cargo-lambda-$lambda_version"
  mkdir -p "$lambda_home"
  if ! cmp -s .venv/bin/cargo-lambda "$lambda_home/cargo-lambda"; then
    cp .venv/bin/cargo-lambda "$lambda_home/cargo-lambda.$$" && mv "$lambda_home/cargo-lambda.$$" "$lambda_home/cargo-lambda"
  fi
  ln -sf "$lambda_home/cargo-lambda" .venv/bin/cargo-lambda
fi

# The SAM CLI pins its own boto3: a virtualenv of its own.
linked_venv .venv-sam requirements-sam.txt

# The IAM simulator's packages (@cloud-copilot/iam-simulate, iam-data), exactly as the lock pins them.
sim_dir=tests/iam/simulator
sim_stamp=$sim_dir/node_modules/.package-lock.sha256
sim_want=$(sha256sum "$sim_dir/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$sim_stamp" 2>/dev/null)" != "$sim_want" ]; then
  (cd "$sim_dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$sim_want" > "$sim_stamp"
fi

# The samlify IdP of the local tests (tests/local/idps/samlify), exactly as its lock pins it.
samlify_dir=tests/local/idps/samlify
samlify_stamp=$samlify_dir/node_modules/.package-lock.sha256
samlify_want=$(sha256sum "$samlify_dir/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$samlify_stamp" 2>/dev/null)" != "$samlify_want" ]; then
  (cd "$samlify_dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$samlify_want" > "$samlify_stamp"
fi

if command -v rustup >/dev/null 2>&1; then
  installed=$(rustup component list --installed 2>/dev/null || true)
  for component in rustfmt clippy; do
    grep -q "^$component" <<<"$installed" || rustup component add "$component"
  done
  rustup target list --installed | grep -q '^aarch64-unknown-linux-gnu$' || rustup target add aarch64-unknown-linux-gnu
fi
