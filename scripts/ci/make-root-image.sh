#!/usr/bin/env bash
# Build the local base images the integration tests start from (no Docker Hub
# here), and push stand-ins for upstream parents into the test registry.
#
#  1. dockyard-ci/debian:<suite>  — `debootstrap --variant=minbase` root of
#     this machine's Debian suite, from this machine's apt mirror, imported with
#     `docker import`. Cached: skipped when the image already exists.
#  2. dockyard-ci/jenkins-inbound-agent:standin — stand-in for the upstream
#     jenkins/inbound-agent: the root above plus what child images rely on:
#     a `jenkins` user/group (uid/gid 1000, home /home/jenkins, bash),
#     /home/jenkins/agent, AGENT_WORKDIR, WORKDIR /home/jenkins, final
#     `USER jenkins` (like upstream, so children need `USER root` before
#     apt-get, as they do for real), and an ENTRYPOINT
#     /usr/local/bin/jenkins-agent that says it is a stand-in and exits 1.
#     No Java (not needed to build or scan; upstream has Temurin).
#  3. Pushed to the test registry "as a mirror of docker.io" (prefix
#     $DOCKYARD_MIRROR_PREFIX, default 127.0.0.1:5000/mirror):
#       <prefix>/jenkins/inbound-agent:<tag>   for each tag in $DOCKYARD_STANDIN_TAGS
#       <prefix>/library/debian:<suite>        the plain root (for `FROM debian:<suite>`)
#     Their registry digests are written to $DOCKYARD_CI_STATE/images.env
#     (they differ on every machine: debootstrap is not bit-reproducible).
#
# Runs start-dockerd.sh and start-registry.sh first (both idempotent).
#
# Env (all optional):
#   DOCKYARD_CI_STATE       state dir (default /tmp/dockyard-ci)
#   DOCKYARD_ROOT_SUITE     Debian suite (default: VERSION_CODENAME of this machine)
#   DOCKYARD_ROOT_MIRROR    Debian mirror (default: first .../debian URI in /etc/apt/sources.list*)
#   DOCKYARD_ROOT_IMAGE     local image name (default dockyard-ci/debian:<suite>)
#   DOCKYARD_STANDIN_IMAGE  local stand-in name (default dockyard-ci/jenkins-inbound-agent:standin)
#   DOCKYARD_STANDIN_TAGS   space-separated inbound-agent tags to push
#                           (default: the tag images/base pins, "3327.v868139a_d00e0-1-jdk21",
#                           then "latest-jdk21 latest")
#   DOCKYARD_MIRROR_PREFIX  registry prefix standing for docker.io
#                           (default $DOCKYARD_REGISTRY/mirror)
#   DOCKYARD_REBUILD=1      rebuild the images even if they exist
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${DOCKYARD_CI_STATE:-/tmp/dockyard-ci}"
export DOCKYARD_CI_STATE="$STATE"

SCRIPT_NAME=make-root-image
# shellcheck source=scripts/ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"


mkdir -p "$STATE"
hold_lock make-root-image 900

need=()
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"

bash "$HERE/start-dockerd.sh" 9>&-
bash "$HERE/start-registry.sh" 9>&-
set -a
# shellcheck source=/dev/null
. "$STATE/registry.env"
set +a

# ---- suite and mirror -------------------------------------------------------
SUITE="${DOCKYARD_ROOT_SUITE:-}"
if [ -z "$SUITE" ]; then
  # shellcheck source=/dev/null
  SUITE="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  [ -n "$SUITE" ] || die "cannot tell this machine's Debian suite from /etc/os-release; set DOCKYARD_ROOT_SUITE"
fi
MIRROR="${DOCKYARD_ROOT_MIRROR:-}"
if [ -z "$MIRROR" ]; then
  # one-line format: deb [opts] URI suite comps ; deb822: URIs: URI ...
  MIRROR="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | sed -nE -e 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
              -e 's/^[[:space:]]*URIs:[[:space:]]*(.*)$/\1/p' \
    | tr ' ' '\n' | grep -E '^https?://[^[:space:]]*/debian/?$' | head -n1 || true)"
  MIRROR="${MIRROR:-http://deb.debian.org/debian}"
fi
ROOT_IMAGE="${DOCKYARD_ROOT_IMAGE:-dockyard-ci/debian:$SUITE}"
STANDIN_IMAGE="${DOCKYARD_STANDIN_IMAGE:-dockyard-ci/jenkins-inbound-agent:standin}"
PREFIX="${DOCKYARD_MIRROR_PREFIX:-$DOCKYARD_REGISTRY/mirror}"
TAGS="${DOCKYARD_STANDIN_TAGS:-3327.v868139a_d00e0-1-jdk21 latest-jdk21 latest}"

t_all=$SECONDS

# ---- 1. debootstrap root ----------------------------------------------------
if [ "${DOCKYARD_REBUILD:-0}" != 1 ] && docker image inspect "$ROOT_IMAGE" >/dev/null 2>&1; then
  log "$ROOT_IMAGE exists; skipping debootstrap (DOCKYARD_REBUILD=1 to force)"
else
  WORK="$(mktemp -d "$STATE/rootfs.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  DLOG="$STATE/debootstrap.log"
  log "debootstrap --variant=minbase $SUITE from $MIRROR (log: $DLOG)"
  t0=$SECONDS
  if ! debootstrap --variant=minbase "$SUITE" "$WORK/root" "$MIRROR" >"$DLOG" 2>&1; then
    tail -n 20 "$DLOG" >&2
    die "debootstrap failed (suite $SUITE, mirror $MIRROR); full log in $DLOG"
  fi
  log "debootstrap took $((SECONDS - t0))s"
  # Trim like Debian's official images: no package caches or lists in the image.
  rm -rf "$WORK/root/var/cache/apt/archives/"*.deb "$WORK/root/var/lib/apt/lists/"* \
         "$WORK/root/var/cache/apt/"*.bin "$WORK/root/var/log/"*.log "$WORK/root/dev/"* 2>/dev/null || true
  mkdir -p "$WORK/root/var/lib/apt/lists/partial"
  # Containers have no init; policy-rc.d keeps postinst scripts from starting services.
  printf '#!/bin/sh\nexit 101\n' >"$WORK/root/usr/sbin/policy-rc.d"
  chmod 755 "$WORK/root/usr/sbin/policy-rc.d"
  t0=$SECONDS
  tar --numeric-owner --xattrs -C "$WORK/root" -c . \
    | docker import \
        -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'CMD ["bash"]' \
        -m "debootstrap --variant=minbase $SUITE $MIRROR (dockyard CI root)" \
        - "$ROOT_IMAGE" >/dev/null \
    || die "docker import of the debootstrap root failed"
  log "docker import took $((SECONDS - t0))s"
  rm -rf "$WORK"; trap - EXIT
  DOCKYARD_REBUILD=1  # the stand-in must be rebuilt on the new root
fi

# ---- 2. jenkins/inbound-agent stand-in ----------------------------------------
if [ "${DOCKYARD_REBUILD:-0}" != 1 ] && docker image inspect "$STANDIN_IMAGE" >/dev/null 2>&1; then
  log "$STANDIN_IMAGE exists; skipping its build"
else
  CTX="$(mktemp -d "$STATE/standin.XXXXXX")"
  trap 'rm -rf "$CTX"' EXIT
  cat >"$CTX/jenkins-agent" <<'EOF'
#!/bin/sh
echo "dockyard CI stand-in for jenkins/inbound-agent: no Java, no remoting agent here" >&2
exit 1
EOF
  chmod 0755 "$CTX/jenkins-agent"  # the classic builder has no COPY --chmod; COPY keeps the mode
  cat >"$CTX/Dockerfile" <<EOF
FROM $ROOT_IMAGE
ARG user=jenkins
ARG group=jenkins
ARG uid=1000
ARG gid=1000
ARG AGENT_WORKDIR=/home/jenkins/agent
RUN groupadd -g \${gid} \${group} \\
 && useradd -l -c "Jenkins user" -d /home/\${user} -u \${uid} -g \${gid} -m -s /bin/bash \${user} \\
 && mkdir -p /home/\${user}/.jenkins \${AGENT_WORKDIR} \\
 && chown -R \${uid}:\${gid} /home/\${user}
COPY jenkins-agent /usr/local/bin/jenkins-agent
LABEL org.opencontainers.image.title="jenkins/inbound-agent stand-in" \\
      org.opencontainers.image.description="dockyard CI stand-in: debootstrap $SUITE minbase + jenkins user, no Java"
ENV AGENT_WORKDIR=\${AGENT_WORKDIR}
USER \${user}
WORKDIR /home/\${user}
ENTRYPOINT ["/usr/local/bin/jenkins-agent"]
EOF
  t0=$SECONDS
  # Classic builder: works with every docker CLI here (see start-dockerd.sh).
  if ! DOCKER_BUILDKIT=0 docker build -q -t "$STANDIN_IMAGE" "$CTX" >"$STATE/standin-build.log" 2>&1; then
    tail -n 20 "$STATE/standin-build.log" >&2
    die "building the jenkins/inbound-agent stand-in failed"
  fi
  log "stand-in build took $((SECONDS - t0))s"
  rm -rf "$CTX"; trap - EXIT
fi

# ---- 3. push into the registry "mirror" ----------------------------------------
# Temporary client config: the login does not outlive this script.
DOCKER_CONFIG="$(mktemp -d "$STATE/docker-config.XXXXXX")"
export DOCKER_CONFIG
trap 'rm -rf "$DOCKER_CONFIG"' EXIT
printf '%s' "$DOCKYARD_REGISTRY_PASSWORD" \
  | docker login -u "$DOCKYARD_REGISTRY_USER" --password-stdin "$DOCKYARD_REGISTRY" >/dev/null 2>&1 \
  || die "docker login $DOCKYARD_REGISTRY failed (credentials from $STATE/registry.env)"

push() { # local-image remote-ref -> prints the pushed digest
  local src="$1" dst="$2" out
  docker tag "$src" "$dst"
  out="$(docker push "$dst" 2>&1)" || { printf '%s\n' "$out" >&2; die "docker push $dst failed"; }
  printf '%s\n' "$out" | sed -nE 's/.*digest: (sha256:[0-9a-f]{64}).*/\1/p' | tail -n1
}

t0=$SECONDS
ENVOUT="$STATE/images.env.tmp"
{
  echo "DOCKYARD_ROOT_IMAGE=$ROOT_IMAGE"
  echo "DOCKYARD_STANDIN_IMAGE=$STANDIN_IMAGE"
  echo "DOCKYARD_MIRROR_PREFIX=$PREFIX"
  d="$(push "$ROOT_IMAGE" "$PREFIX/library/debian:$SUITE")"
  echo "DOCKYARD_MIRROR_DEBIAN=$PREFIX/library/debian:$SUITE"
  echo "DOCKYARD_MIRROR_DEBIAN_DIGEST=$d"
  first=1
  for tag in $TAGS; do
    d="$(push "$STANDIN_IMAGE" "$PREFIX/jenkins/inbound-agent:$tag")"
    if [ $first = 1 ]; then
      echo "DOCKYARD_STANDIN_REF=$PREFIX/jenkins/inbound-agent:$tag"
      echo "DOCKYARD_STANDIN_DIGEST=$d"
      first=0
    fi
  done
  echo "DOCKYARD_STANDIN_TAGS=\"$TAGS\""
} >"$ENVOUT"
mv "$ENVOUT" "$STATE/images.env"
docker logout "$DOCKYARD_REGISTRY" >/dev/null 2>&1 || true
log "push took $((SECONDS - t0))s"

log "done in $((SECONDS - t_all))s; refs and digests in $STATE/images.env:"
sed 's/^/  /' "$STATE/images.env" >&2
