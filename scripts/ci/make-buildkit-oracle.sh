#!/usr/bin/env bash
# Build the BuildKit oracle (test/tools/buildkit-oracle) once per BuildKit release Dockyard reads
# Dockerfiles as: each binary links that release's real Dockerfile parser, shell lexer and
# dockerfile2llb conversion, and answers the line protocol in test/tools/buildkit-oracle/protocol.
#
# Writes:
#   $DOCKYARD_CI_STATE/bin/buildkit-oracle-0.8, .../bin/buildkit-oracle-0.34
#   $DOCKYARD_CI_STATE/oracle.env   DOCKYARD_ORACLE_BUILDKIT_0_8, DOCKYARD_ORACLE_BUILDKIT_0_34
#                                   (the binaries), DOCKYARD_BUILDKIT_MODULE_0_8,
#                                   DOCKYARD_BUILDKIT_MODULE_0_34 (each release's module dir in the
#                                   Go module cache, for its frontend/dockerfile/parser/testfiles*)
#
# Env (optional):
#   DOCKYARD_CI_STATE   state dir (default /tmp/dockyard-ci)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE="${DOCKYARD_CI_STATE:-/tmp/dockyard-ci}"
export DOCKYARD_CI_STATE="$STATE"
SRC="$REPO/test/tools/buildkit-oracle"

SCRIPT_NAME=make-buildkit-oracle
# shellcheck source=scripts/ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$STATE/bin"
hold_lock make-buildkit-oracle 600

t_all=$SECONDS

require_go "need Go >= 1.26.8 for test/tools/buildkit-oracle, as BuildKit v0.34.2 requires"

# version tag -> "<module version> <env suffix>"
declare -A RELEASES=([v0.8]="v0.8.3 0_8" [v0.34]="v0.34.2 0_34")
ENV_LINES=()

for dir in v0.8 v0.34; do
  read -r version suffix <<<"${RELEASES[$dir]}"
  mod="$SRC/$dir"
  bin="$STATE/bin/buildkit-oracle-${dir#v}"
  grep -q "github.com/moby/buildkit $version\$" "$mod/go.mod" \
    || die "$mod/go.mod does not require github.com/moby/buildkit $version"

  if [ ! -x "$bin" ] || [ -n "$(find "$mod" "$SRC/protocol" -newer "$bin" -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) 2>/dev/null)" ]; then
    log "building $mod (BuildKit $version) -> $bin"
    t0=$SECONDS
    (cd "$mod" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -o "$bin.tmp" .) \
      || die "go build of test/tools/buildkit-oracle/$dir failed (the Go module proxy must be reachable for github.com/moby/buildkit@$version)"
    # The oracle's own tests: the worker supervision (protocol) and, for v0.8, the prediction of
    # BuildKit v0.8.3's endless recursion checked against that release's real conversion.
    (cd "$SRC/protocol" && go test -vet=off -count=1 . >&2 \
      && if compgen -G "$mod/*_test.go" >/dev/null; then cd "$mod" && GOFLAGS=-mod=mod go test -vet=off -count=1 . >&2; fi) \
      || { rm -f "$bin.tmp"; die "the tests of test/tools/buildkit-oracle/$dir failed"; }
    mv "$bin.tmp" "$bin"
    log "built and tested in $((SECONDS - t0))s"
  fi

  moddir="$(cd "$mod" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' github.com/moby/buildkit)" \
    || die "cannot find github.com/moby/buildkit@$version in the Go module cache"
  [ -d "$moddir/frontend/dockerfile/parser/testfiles" ] \
    || die "$moddir has no frontend/dockerfile/parser/testfiles"

  # Prove the binary speaks the protocol before handing it to the tests.
  answer="$(printf '%s\n' '{"id":"probe","dockerfile":"FROM alpine\n","buildArgs":{}}' | "$bin")" \
    || die "$bin failed on a probe request"
  case "$answer" in
    *'"resolved":["docker.io/library/alpine:latest"]'*) ;;
    *) die "$bin answered the probe unexpectedly: $answer" ;;
  esac
  # ... and answers a file BuildKit v0.8.3 recurses on without end, then the next one.
  answer="$(printf '%s\n' '{"id":"cycle","dockerfile":"FROM alpine AS build\nFROM scratch AS base\nCOPY --from=build / /\nFROM base AS build\n","buildArgs":{}}' \
    '{"id":"after","dockerfile":"FROM alpine\n","buildArgs":{}}' | "$bin")" \
    || die "$bin failed on a stage cycle through FROM"
  case "$answer" in
    *'"id":"cycle","rejected":true'*'"id":"after","rejected":false'*) ;;
    *) die "$bin did not answer a stage cycle through FROM as rejected: $answer" ;;
  esac

  ENV_LINES+=("DOCKYARD_ORACLE_BUILDKIT_$suffix=$bin" "DOCKYARD_BUILDKIT_MODULE_$suffix=$moddir")
done

printf '%s\n' "${ENV_LINES[@]}" >"$STATE/oracle.env.tmp"
mv "$STATE/oracle.env.tmp" "$STATE/oracle.env"
log "done in $((SECONDS - t_all))s; env in $STATE/oracle.env"
