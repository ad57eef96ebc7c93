#!/usr/bin/env bash
# Start moto's server mode on 127.0.0.1: Amazon ECR's control plane (the API @aws-sdk/client-ecr calls) for
# the end-to-end tests, which run the app as a process with DOCKYARD_ECR_ENDPOINT pointed at it. The data
# plane stays the htpasswd registry of start-registry.sh (see README.md beside this script, "moto").
#
# Installs moto into the project's .venv from scripts/ci/moto-requirements.txt (pinned by hash) when
# .venv/bin/moto_server is missing or another version. Idempotent: if our moto_server is already running on
# the same port and answers, nothing is done.
#
# Writes $DOCKYARD_CI_STATE/moto.env:
#   DOCKYARD_MOTO_URL=http://127.0.0.1:5100
#   DOCKYARD_MOTO_VERSION=5.2.5
#
# Env (all optional):
#   DOCKYARD_CI_STATE      state dir (default /tmp/dockyard-ci)
#   DOCKYARD_MOTO_PORT     port on 127.0.0.1 (default 5100)
#   DOCKYARD_MOTO_TIMEOUT  seconds to wait for it to answer (default 30)
set -euo pipefail

STATE="${DOCKYARD_CI_STATE:-/tmp/dockyard-ci}"
DIR="$STATE/moto"
ENVFILE="$STATE/moto.env"
PIDFILE="$DIR/moto.pid"
LOG="$DIR/moto.log"
TIMEOUT="${DOCKYARD_MOTO_TIMEOUT:-30}"
PORT="${DOCKYARD_MOTO_PORT:-5100}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/scripts/ci/moto-requirements.txt"
VERSION="$(sed -n 's/^moto==\([^ ]*\).*/\1/p' "$REQUIREMENTS")"

SCRIPT_NAME=start-moto
# shellcheck source=scripts/ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "$PORT" in ''|*[!0-9]*) die "DOCKYARD_MOTO_PORT must be a number, got '$PORT'";; esac
command -v curl >/dev/null 2>&1 || apt_install curl
command -v ss >/dev/null 2>&1 || apt_install iproute2

mkdir -p "$DIR"
hold_lock start-moto $((TIMEOUT + 120))

if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true)" != "$VERSION" ] \
   || [ ! -x "$VENV/bin/moto_server" ]; then
  log "installing moto $VERSION into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$REQUIREMENTS" >&2 \
    || die "pip install -r $REQUIREMENTS failed"
fi

URL="http://127.0.0.1:$PORT"
# moto answers its own management API; any ECR call would need signed requests.
probe() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/moto-api/data.json" 2>/dev/null || true; }
ours_running() {
  local pid; pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && grep -q moto_server "/proc/$pid/cmdline" 2>/dev/null
}

write_env() {
  cat >"$ENVFILE" <<EOF
DOCKYARD_MOTO_URL=$URL
DOCKYARD_MOTO_PORT=$PORT
DOCKYARD_MOTO_VERSION=$VERSION
EOF
}

if ours_running; then
  if [ "$(sed -n 's/^DOCKYARD_MOTO_PORT=//p' "$ENVFILE" 2>/dev/null)" = "$PORT" ] && [ "$(probe)" = 200 ]; then
    write_env
    log "moto already running on $URL (pid $(cat "$PIDFILE")); nothing to do"
    exit 0
  fi
  restart_ours moto
fi
rm -f "$PIDFILE"

if ss -Hltn "sport = :$PORT" | grep -q .; then
  die "port $PORT is already in use by another process (not our moto): $(ss -Hltnp "sport = :$PORT" | head -1). Set DOCKYARD_MOTO_PORT."
fi

log "starting moto_server $VERSION on $URL (log $LOG)"
printf '==== %s start\n' "$(date -u +%FT%TZ)" >>"$LOG"
setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" </dev/null >>"$LOG" 2>&1 9>&- &
echo $! >"$PIDFILE"

wait_until_answers 200 "GET $URL/moto-api/data.json" moto "$LOG"
write_env
log "moto ready on $URL"
