#!/usr/bin/env bash
# Keeps Docker build steps (and containers) on the engine's bridge from the engine host itself, from
# link-local addresses (cloud metadata: 169.254.169.254, fd00:ec2::254) and from private networks,
# while they still reach public hosts (package mirrors) and the host's DNS resolvers on port 53.
# Run it as root ON THE DOCKER ENGINE'S HOST, after dockerd has started (e.g. ExecStartPost= of
# docker.service); it is idempotent and rules do not survive a reboot.
#
# Why a host firewall: BuildKit in Docker Engine 20.10 runs RUN steps on the engine's default bridge
# (docker0), the only build network besides `host` and `none`. A step's traffic to the host arrives
# through INPUT; to anything else it is forwarded through FORWARD, whose first jump Docker reserves
# for DOCKER-USER. Two chains of ours hang there, for traffic coming in from the bridge only:
#   DOCKYARD-BUILD-IN   (from INPUT)       replies and DNS to a resolver on the host pass; all else rejected
#   DOCKYARD-BUILD-FWD  (from DOCKER-USER) replies, DNS to the resolvers and --allow CIDRs pass; loopback,
#                                          link-local, private, reserved and the host's own subnets rejected
# Rejects use icmp-admin-prohibited, so a step fails at once ("No route to host") and Dockyard's probe
# can tell a blocked address from one that answered.
# ADD <url> is fetched by dockerd itself in the host's namespace: no firewall here applies to it;
# Dockyard's policy (DY005) does.
#
# Usage: build-egress-firewall.sh [--bridge docker0] [--allow CIDR]... [--dns IP]...
#                                 [--memory-mib N] [--cpus N] [--remove]
#   --allow CIDR     a network builds may reach (the operator settings' build.egress.cidrs)
#   --dns IP         a DNS resolver builds may query (default: the nameservers of /etc/resolv.conf)
#   --memory-mib N   cap memory of all BuildKit steps together (cgroup v1 docker/buildkit)
#   --cpus N         cap CPU of all BuildKit steps together (cgroup v1 docker/buildkit)
#   --remove         take the rules out again
set -euo pipefail

bridge=docker0
allow=()
dns=()
memory_mib=""
cpus=""
remove=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bridge) bridge="$2"; shift 2 ;;
    --allow) allow+=("$2"); shift 2 ;;
    --dns) dns+=("$2"); shift 2 ;;
    --memory-mib) memory_mib="$2"; shift 2 ;;
    --cpus) cpus="$2"; shift 2 ;;
    --remove) remove=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-egress-firewall: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" = 0 ] || { echo "build-egress-firewall: run as root on the Docker engine's host" >&2; exit 1; }
command -v iptables >/dev/null || { echo "build-egress-firewall: iptables is missing" >&2; exit 1; }
if [ ${#dns[@]} = 0 ]; then
  while read -r key value _; do
    [ "$key" = nameserver ] && dns+=("$value")
  done < <(grep -E '^\s*nameserver\s' /etc/resolv.conf 2>/dev/null || true)
fi

v4_blocked=(0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 192.0.0.0/24
  192.168.0.0/16 198.18.0.0/15 224.0.0.0/4 240.0.0.0/4)
v6_blocked=(::/128 ::1/128 ::ffff:0:0/96 64:ff9b::/96 fc00::/7 fe80::/10 fec0::/10 ff00::/8)
# The networks the host sits on are its private network, whatever their addresses.
while read -r net; do [ -n "$net" ] && v4_blocked+=("$net"); done < <(ip -4 route show scope link 2>/dev/null | awk -v b="$bridge" '$0 !~ (" dev " b " ") {print $1}')
while read -r net; do [ -n "$net" ] && v6_blocked+=("$net"); done < <(ip -6 route show 2>/dev/null | awk -v b="$bridge" '$1 ~ /\// && $1 !~ /^fe80/ && $0 !~ (" dev " b " ") && $0 ~ /proto kernel/ {print $1}')

is_v6() { case "$1" in *:*) return 0 ;; *) return 1 ;; esac; }

# apply <iptables|ip6tables> <blocked...>
apply() {
  local ipt="$1"; shift
  local v6=0; [ "$ipt" = ip6tables ] && v6=1
  local reject=(-j REJECT --reject-with icmp-admin-prohibited)
  [ $v6 = 1 ] && reject=(-j REJECT --reject-with adm-prohibited)
  "$ipt" -w -N DOCKYARD-BUILD-IN 2>/dev/null || true
  "$ipt" -w -N DOCKYARD-BUILD-FWD 2>/dev/null || true
  "$ipt" -w -N DOCKER-USER 2>/dev/null || true
  "$ipt" -w -F DOCKYARD-BUILD-IN
  "$ipt" -w -F DOCKYARD-BUILD-FWD

  "$ipt" -w -A DOCKYARD-BUILD-IN -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
  "$ipt" -w -A DOCKYARD-BUILD-FWD -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
  local server cidr
  for server in "${dns[@]}"; do
    if is_v6 "$server"; then [ $v6 = 1 ] || continue; else [ $v6 = 0 ] || continue; fi
    for proto in udp tcp; do
      "$ipt" -w -A DOCKYARD-BUILD-IN -d "$server" -p "$proto" --dport 53 -j RETURN
      "$ipt" -w -A DOCKYARD-BUILD-FWD -d "$server" -p "$proto" --dport 53 -j RETURN
    done
  done
  "$ipt" -w -A DOCKYARD-BUILD-IN "${reject[@]}"
  for cidr in "${allow[@]}"; do
    if is_v6 "$cidr"; then [ $v6 = 1 ] || continue; else [ $v6 = 0 ] || continue; fi
    "$ipt" -w -A DOCKYARD-BUILD-FWD -d "$cidr" -j RETURN
  done
  for cidr in "$@"; do
    "$ipt" -w -A DOCKYARD-BUILD-FWD -d "$cidr" "${reject[@]}"
  done

  "$ipt" -w -C INPUT -i "$bridge" -j DOCKYARD-BUILD-IN 2>/dev/null || "$ipt" -w -I INPUT 1 -i "$bridge" -j DOCKYARD-BUILD-IN
  "$ipt" -w -C DOCKER-USER -i "$bridge" -j DOCKYARD-BUILD-FWD 2>/dev/null || "$ipt" -w -I DOCKER-USER 1 -i "$bridge" -j DOCKYARD-BUILD-FWD
  # Docker adds the FORWARD → DOCKER-USER jump itself; a host without it (ip6tables) gets ours.
  "$ipt" -w -C FORWARD -j DOCKER-USER 2>/dev/null || "$ipt" -w -I FORWARD 1 -j DOCKER-USER
}

unapply() {
  local ipt="$1"
  while "$ipt" -w -D INPUT -i "$bridge" -j DOCKYARD-BUILD-IN 2>/dev/null; do :; done
  while "$ipt" -w -D DOCKER-USER -i "$bridge" -j DOCKYARD-BUILD-FWD 2>/dev/null; do :; done
  for chain in DOCKYARD-BUILD-IN DOCKYARD-BUILD-FWD; do
    "$ipt" -w -F "$chain" 2>/dev/null || true
    "$ipt" -w -X "$chain" 2>/dev/null || true
  done
}

if [ $remove = 1 ]; then
  unapply iptables
  command -v ip6tables >/dev/null && ip6tables -w -L -n >/dev/null 2>&1 && unapply ip6tables
  echo "build-egress-firewall: removed the rules for $bridge" >&2
  exit 0
fi

apply iptables "${v4_blocked[@]}"
if command -v ip6tables >/dev/null && ip6tables -w -L -n >/dev/null 2>&1; then
  apply ip6tables "${v6_blocked[@]}"
fi

# BuildKit in Engine 20.10 ignores the build API's memory and CPU limits; its steps run in cgroups under
# docker/buildkit, whose limits bind all of them together.
if [ -n "$memory_mib$cpus" ]; then
  mem=/sys/fs/cgroup/memory/docker/buildkit cpu=/sys/fs/cgroup/cpu/docker/buildkit
  [ -d /sys/fs/cgroup/memory ] || { echo "build-egress-firewall: --memory-mib/--cpus need cgroup v1 (cgroupfs driver)" >&2; exit 1; }
  mkdir -p "$mem" "$cpu"
  [ -n "$memory_mib" ] && echo $((memory_mib * 1024 * 1024)) >"$mem/memory.limit_in_bytes"
  [ -n "$cpus" ] && awk -v c="$cpus" 'BEGIN { printf "%d\n", c * 100000 }' >"$cpu/cpu.cfs_quota_us"
fi

echo "build-egress-firewall: builds on $bridge reach neither this host nor ${#v4_blocked[@]} blocked IPv4 ranges; allowed: ${allow[*]:-none}; DNS: ${dns[*]:-none}" >&2
