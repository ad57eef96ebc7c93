#!/usr/bin/env bash
# Start a real OCI/Docker registry (Debian's docker-registry = distribution
# v2.8) on 127.0.0.1 with htpasswd (bcrypt) basic auth: the stand-in for
# Amazon ECR's data plane in the integration tests.
#
# Idempotent: if our registry is already running with the same port and
# credentials and GET /v2/ answers 401, nothing is done. If the requested port
# or credentials changed, our registry is restarted with the new ones.
#
# Writes $DOCKYARD_CI_STATE/registry.env (mode 600), for tests and other scripts:
#   DOCKYARD_REGISTRY=127.0.0.1:5000          host:port, the image-name prefix
#   DOCKYARD_REGISTRY_URL=http://127.0.0.1:5000
#   DOCKYARD_REGISTRY_USER=AWS                ECR's user name is always AWS
#   DOCKYARD_REGISTRY_PASSWORD=...            generated once per state dir
#   DOCKYARD_REGISTRY_DATA=/tmp/dockyard-ci/registry/data
# Use:  set -a; . /tmp/dockyard-ci/registry.env; set +a
# dockerd treats 127.0.0.0/8 as an insecure (plain HTTP) registry by default,
# so `docker login/push 127.0.0.1:5000/...` works without daemon config.
#
# Env (all optional):
#   DOCKYARD_CI_STATE          state dir (default /tmp/dockyard-ci)
#   DOCKYARD_REGISTRY_PORT     port on 127.0.0.1 (default 5000)
#   DOCKYARD_REGISTRY_USER     basic-auth user (default AWS)
#   DOCKYARD_REGISTRY_PASSWORD basic-auth password (default: reuse the one in
#                              registry.env, else generate a random one)
#   DOCKYARD_REGISTRY_TIMEOUT  seconds to wait for /v2/ (default 30)
set -euo pipefail

STATE="${DOCKYARD_CI_STATE:-/tmp/dockyard-ci}"
DIR="$STATE/registry"
ENVFILE="$STATE/registry.env"
PIDFILE="$DIR/registry.pid"
LOG="$DIR/registry.log"
CONFIG="$DIR/config.yml"
HTPASSWD="$DIR/htpasswd"
TIMEOUT="${DOCKYARD_REGISTRY_TIMEOUT:-30}"

SCRIPT_NAME=start-registry
# shellcheck source=scripts/ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"


need=()
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v ss >/dev/null 2>&1 || need+=(iproute2)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"

mkdir -p "$DIR/data"
chmod 700 "$DIR"
# One starter at a time; the lock fd is closed for the registry itself (9>&- below).
hold_lock start-registry $((TIMEOUT + 30))

# Previous settings, if any (only our own file is read).
OLD_PORT="" OLD_USER="" OLD_PASSWORD=""
if [ -f "$ENVFILE" ]; then
  OLD_PORT="$(sed -n 's/^DOCKYARD_REGISTRY_PORT=//p' "$ENVFILE")"
  OLD_USER="$(sed -n 's/^DOCKYARD_REGISTRY_USER=//p' "$ENVFILE")"
  OLD_PASSWORD="$(sed -n 's/^DOCKYARD_REGISTRY_PASSWORD=//p' "$ENVFILE")"
fi

PORT="${DOCKYARD_REGISTRY_PORT:-5000}"
USER_NAME="${DOCKYARD_REGISTRY_USER:-AWS}"
PASSWORD="${DOCKYARD_REGISTRY_PASSWORD:-${OLD_PASSWORD:-}}"
if [ -z "$PASSWORD" ]; then
  PASSWORD="dockyard-test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
fi
case "$PORT" in ''|*[!0-9]*) die "DOCKYARD_REGISTRY_PORT must be a number, got '$PORT'";; esac
case "$USER_NAME$PASSWORD" in *:*|*$'\n'*) die "user and password must not contain ':' or newlines";; esac

URL="http://127.0.0.1:$PORT"

probe() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/v2/" 2>/dev/null || true; }
# Our registry only if the recorded pid is still docker-registry (pids get reused).
ours_running() {
  local pid; pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = docker-registry ]
}

if ours_running; then
  if [ "$OLD_PORT" = "$PORT" ] && [ "$OLD_USER" = "$USER_NAME" ] && [ "$OLD_PASSWORD" = "$PASSWORD" ] \
     && [ "$(probe)" = 401 ]; then
    log "registry already running on $URL (pid $(cat "$PIDFILE")); nothing to do"
    exit 0
  fi
  restart_ours registry
fi
rm -f "$PIDFILE"

if ss -Hltn "sport = :$PORT" | grep -q .; then
  die "port $PORT is already in use by another process (not our registry): $(ss -Hltnp "sport = :$PORT" | head -1). Set DOCKYARD_REGISTRY_PORT."
fi

# bcrypt htpasswd; password via stdin so it never shows up in `ps`.
printf '%s' "$PASSWORD" | htpasswd -iBc "$HTPASSWD" "$USER_NAME" 2>/dev/null \
  || die "htpasswd failed to write $HTPASSWD"
chmod 600 "$HTPASSWD"

cat >"$CONFIG" <<EOF
# Written by scripts/ci/start-registry.sh; do not edit (rewritten on start).
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
  fields:
    service: dockyard-ci-registry
storage:
  filesystem:
    rootdirectory: $DIR/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$PORT
  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: dockyard-ci
    path: $HTPASSWD
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
EOF
chmod 600 "$CONFIG"

umask 077
cat >"$ENVFILE" <<EOF
DOCKYARD_REGISTRY=127.0.0.1:$PORT
DOCKYARD_REGISTRY_URL=$URL
DOCKYARD_REGISTRY_PORT=$PORT
DOCKYARD_REGISTRY_USER=$USER_NAME
DOCKYARD_REGISTRY_PASSWORD=$PASSWORD
DOCKYARD_REGISTRY_DATA=$DIR/data
EOF

log "starting docker-registry on $URL (config $CONFIG, log $LOG)"
printf '==== %s start\n' "$(date -u +%FT%TZ)" >>"$LOG"
setsid docker-registry serve "$CONFIG" </dev/null >>"$LOG" 2>&1 9>&- &
echo $! >"$PIDFILE"

wait_until_answers 401 "GET $URL/v2/" registry "$LOG"
# Basic auth really works (without printing the password).
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -K - <<<"user = \"$USER_NAME:$PASSWORD\"" "$URL/v2/")"
[ "$code" = 200 ] || die "GET $URL/v2/ with the configured credentials answered $code, expected 200"

log "registry ready on $URL (user $USER_NAME; credentials in $ENVFILE)"
