#!/usr/bin/env bash
# Start a real Docker Engine (Debian's docker.io) for the integration tests.
#
# Idempotent: if `docker info` already answers, nothing is done.
# Otherwise dockerd is started in the background, logging to
# $DOCKYARD_CI_STATE/dockerd.log, and the script waits until `docker info`
# answers (timeout $DOCKYARD_DOCKERD_TIMEOUT seconds, default 60).
#
# What this sandbox (Firecracker VM, Debian 12, kernel 6.x, cgroup v1, ext4 root)
# needs — measured, not guessed:
#   * storage driver: dockerd's own choice, overlay2, works (root fs is ext4).
#     vfs / fuse-overlayfs are NOT needed. Override with
#     DOCKYARD_DOCKERD_STORAGE_DRIVER=vfs if you ever run on an overlay root.
#   * iptables (iptables-nft) and the docker0 bridge work with default flags:
#     containers and `RUN apt-get update && apt-get install curl` in a
#     `docker build` reach Debian's mirror through the bridge + MASQUERADE.
#     So no `--iptables=false --bridge=none` is needed. If dockerd ever fails
#     to start because of iptables/bridge errors, this script retries once with
#     `--iptables=false --bridge=none`; builds then need the build API's
#     `networkmode: host` (docker build --network host) to reach the mirror.
#   * PID 1 of this VM does not reap orphans, so every containerd-shim becomes
#     a zombie after its container exits. dockerd is therefore started under
#     `tini -s` (Debian package tini, a docker.io dependency), which registers
#     as a child subreaper and reaps them.
#   * BuildKit: the daemon's BuildKit works (`DOCKER_BUILDKIT=1
#     /usr/bin/docker build` with Debian's 20.10 client). A newer docker CLI
#     without the buildx plugin (e.g. /usr/local/bin/docker 28.x) refuses
#     DOCKER_BUILDKIT=1 ("buildx component is missing"); Debian bookworm has no
#     buildx package. The classic builder (DOCKER_BUILDKIT=0, and the plain
#     /build API that dockerode uses) works everywhere.
#
# Env:
#   DOCKYARD_CI_STATE               state dir (default /tmp/dockyard-ci)
#   DOCKYARD_DOCKERD_TIMEOUT        seconds to wait for `docker info` (default 60)
#   DOCKYARD_DOCKERD_STORAGE_DRIVER force a storage driver (default: dockerd picks)
#   DOCKYARD_DOCKERD_EXTRA_ARGS     extra dockerd flags (word-split)
#   DOCKYARD_BUILD_EGRESS_ALLOW     CIDRs build steps may reach besides public hosts (word-split)
#
# Every run (also when dockerd already answers) applies scripts/build-egress-firewall.sh, as an
# operator must on an engine host: build steps on docker0 then reach neither this host (the bridge
# gateway, 127.0.0.1 services) nor link-local/private networks, only public hosts (Debian's mirror)
# and the DNS resolvers of /etc/resolv.conf. Dockyard refuses to build on an engine without it.
set -euo pipefail

STATE="${DOCKYARD_CI_STATE:-/tmp/dockyard-ci}"
TIMEOUT="${DOCKYARD_DOCKERD_TIMEOUT:-60}"
LOG="$STATE/dockerd.log"
PIDFILE="$STATE/dockerd.pid"

SCRIPT_NAME=start-dockerd
# shellcheck source=scripts/ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$STATE"
# One starter at a time; the lock fd is closed for dockerd itself (9>&- below).
hold_lock start-dockerd $((TIMEOUT + 60))

# The build firewall (idempotent); see the header.
apply_build_firewall() {
  local args=()
  # shellcheck disable=SC2206  # CIDRs: splitting wanted
  for cidr in ${DOCKYARD_BUILD_EGRESS_ALLOW:-}; do args+=(--allow "$cidr"); done
  if [ "$(id -u)" = 0 ]; then
    bash "$(dirname "${BASH_SOURCE[0]}")/../build-egress-firewall.sh" "${args[@]}" || die "applying the build firewall failed"
  else
    log "not root: the build firewall (scripts/build-egress-firewall.sh) was not applied; Dockyard will refuse to build"
  fi
}

if docker info >/dev/null 2>&1; then
  log "dockerd already answers on ${DOCKER_HOST:-unix:///var/run/docker.sock}; applying the build firewall only"
  apply_build_firewall
  exit 0
fi

[ "$(id -u)" = 0 ] || die "dockerd must be started as root (uid is $(id -u))"


need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker >/dev/null 2>&1 || need+=(docker.io)
command -v tini >/dev/null 2>&1 || need+=(tini)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
if [ ${#need[@]} -gt 0 ]; then
  # shellcheck disable=SC2046  # package names: splitting wanted
  apt_install $(printf '%s\n' "${need[@]}" | sort -u)
fi

# pid of a process only if it is still the program we expect (pids get reused).
pid_is() { # pidfile comm...
  local pid c; pid="$(cat "$1" 2>/dev/null || true)"; shift
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  # A zombie (state Z) is dead: this VM's PID 1 does not reap orphans.
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  c="$(cat "/proc/$pid/comm")"
  for want in "$@"; do [ "$c" = "$want" ] && { echo "$pid"; return 0; }; done
  return 1
}

WAIT_PID=""
LOG_START=""
if WAIT_PID="$(pid_is "$PIDFILE" tini dockerd)"; then
  # Ours, still starting (e.g. two callers at once).
  log "dockerd (pid $WAIT_PID) is starting; waiting for it"
elif WAIT_PID="$(pgrep -xo dockerd)"; then
  # Someone else's dockerd, not answering yet: wait for it rather than start a second one.
  log "a dockerd (pid $WAIT_PID) is running but 'docker info' does not answer yet; waiting for it"
else
  WAIT_PID=""
  rm -f "$PIDFILE"
fi

start_dockerd() {
  local args=("$@")
  [ -n "${DOCKYARD_DOCKERD_STORAGE_DRIVER:-}" ] && args+=(--storage-driver "$DOCKYARD_DOCKERD_STORAGE_DRIVER")
  # shellcheck disable=SC2206
  [ -n "${DOCKYARD_DOCKERD_EXTRA_ARGS:-}" ] && args+=(${DOCKYARD_DOCKERD_EXTRA_ARGS})
  log "starting: tini -s -- dockerd ${args[*]} (log: $LOG)"
  LOG_START=$(( $( { [ -f "$LOG" ] && wc -l <"$LOG"; } || echo 0) + 1 ))
  {
    printf '==== %s dockerd %s\n' "$(date -u +%FT%TZ)" "${args[*]}"
  } >>"$LOG"
  # setsid: own session, so the caller's job control / terminal does not take
  # it down; tini -s reaps orphaned containerd-shims (see header).
  setsid tini -s -- dockerd "${args[@]}" </dev/null >>"$LOG" 2>&1 9>&- &
  WAIT_PID=$!
  echo "$WAIT_PID" >"$PIDFILE"
}

wait_ready() {
  local deadline=$((SECONDS + TIMEOUT)) pid="$WAIT_PID"
  while [ $SECONDS -lt $deadline ]; do
    if docker info >/dev/null 2>&1; then return 0; fi
    if [ -n "$pid" ] && { ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]; }; then
      return 2
    fi
    sleep 0.5
  done
  return 1
}

if [ -z "$WAIT_PID" ]; then
  start_dockerd
fi

t0=$SECONDS
rc=0; wait_ready || rc=$?
# Only this start's log lines, and only real failures (normal startup logs mention "bridge" too).
if [ $rc = 2 ] && [ -n "${LOG_START:-}" ] \
   && tail -n +"$LOG_START" "$LOG" | grep -iE 'level=(error|fatal)|failed to start' | grep -qiE 'iptables|bridge|nat'; then
  log "dockerd exited with an iptables/bridge error; retrying with --iptables=false --bridge=none"
  log "NOTE: builds must then use network mode 'host' to reach the package mirror"
  rm -f "$PIDFILE"
  start_dockerd --iptables=false --bridge=none
  rc=0; wait_ready || rc=$?
fi

if [ $rc != 0 ]; then
  if [ $rc = 2 ]; then log "dockerd exited during startup."; else log "dockerd did not answer 'docker info' within ${TIMEOUT}s."; fi
  log "Errors from this start in $LOG:"
  tail -n +"${LOG_START:-1}" "$LOG" 2>/dev/null | grep -E 'level=(error|fatal)|failed to start|^[^t]' | tail -n 15 >&2 || true
  log "Last lines of $LOG:"
  tail -n 5 "$LOG" >&2 || true
  die "dockerd failed to start (DOCKER_HOST=${DOCKER_HOST:-unset, i.e. unix:///var/run/docker.sock})"
fi

apply_build_firewall
log "dockerd is ready after $((SECONDS - t0))s: $(docker info --format '{{.ServerVersion}} storage={{.Driver}} cgroup={{.CgroupDriver}}' 2>/dev/null)"
