# Shared by the scripts in scripts/ci: source it after setting SCRIPT_NAME.

log() { printf '[%s] %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$SCRIPT_NAME" "$*" >&2; exit 1; }

# Installs Debian packages, refreshing the package lists when they are missing or stale.
apt_install() {
  log "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    apt-get update -qq || die "apt-get update failed"
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null; } \
    || die "apt-get install $* failed"
}

# Holds the lock "$STATE/<name>.lock" on fd 9 for the rest of the script, waiting up to $2 seconds.
hold_lock() {
  exec 9>"$STATE/$1.lock"
  flock -w "$2" 9 || die "another $1.sh holds $STATE/$1.lock"
}

# Puts Go on PATH (this machine kind ships it in /usr/local/go); dies saying which Go is needed ($1).
require_go() {
  if ! command -v go >/dev/null 2>&1; then
    [ -x /usr/local/go/bin/go ] && PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 \
    || die "Go is not installed ($1; this machine kind ships it in /usr/local/go)"
}

# Waits up to $TIMEOUT seconds, while `ours_running` holds, for `probe` to print the HTTP status $1.
# Otherwise dies as "<$3> failed to start", after the end of the log $4; $2 says what `probe` asks.
wait_until_answers() {
  local expected="$1" asked="$2" name="$3" logfile="$4" deadline=$((SECONDS + TIMEOUT)) code=""
  while [ $SECONDS -lt $deadline ]; do
    code="$(probe)"
    [ "$code" = "$expected" ] && return 0
    ours_running || break
    sleep 0.2
  done
  log "$asked answered '${code:-nothing}', expected $expected. Last lines of $logfile:"
  tail -n 20 "$logfile" >&2 || true
  die "$name failed to start"
}

# Stops our running $1 (the pid in $PIDFILE, which `ours_running` checks), waiting up to 5 s for it to go.
restart_ours() {
  log "settings changed or $1 unhealthy; restarting pid $(cat "$PIDFILE")"
  kill "$(cat "$PIDFILE")" 2>/dev/null || true
  for _ in $(seq 1 50); do ours_running || break; sleep 0.1; done
}
