import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';

// BuildKit in Docker Engine 20.10 runs RUN steps of the `default` network mode on the engine's
// `bridge` network (moby builder-next/executor_unix.go, bridgeProvider), the same docker0 bridge
// containers use, and the /build API offers no other network than `host` and `none`
// (builder-next/builder.go: any other `networkmode` is "not supported by buildkit"). Only the engine
// host's firewall can keep such a step from the host itself and from link-local and private networks
// (scripts/build-egress-firewall.sh). Dockyard cannot read a remote host's firewall, so it asks the
// engine: a throw-away build whose step tries to connect to the bridge gateway (the engine host) and
// the cloud metadata address. Any answer — a connection, or a refusal the host sent — means the step
// got through, and Dockyard builds nothing on that engine.

/** An address a build step must not reach. */
export interface ProbeTarget {
  host: string;
  port: number;
  /** What it stands for, for messages. */
  what: string;
}

export type ProbeVerdict =
  /** No target answered. */
  | { status: 'closed'; image: string }
  /** These targets answered a build step. */
  | { status: 'open'; image: string; reachable: ProbeTarget[] }
  /** The probe could not decide (no usable image, an engine error, an unexpected answer). */
  | { status: 'unknown'; reason: string };

/** Runs one probe build; the build adapter supplies it (build-image.ts) so probes go through the same path as builds. */
export type ProbeBuild = (contextDir: string, image: string) => Promise<{ logTail: readonly string[]; failure?: string }>;

const marker = 'dockyard-egress-probe';
/** Port 9 (discard): nothing listens there on an engine host, so an unfiltered host answers with a reset. */
const gatewayPort = 9;
const metadata: ProbeTarget = { host: '169.254.169.254', port: 80, what: 'the cloud metadata address' };

/** Stands for the step's default gateway, the engine host's address on the bridge, read in the step. */
export const gatewayHost = '@gateway';

/**
 * The addresses probed by default: the step's default gateway (the engine host: Docker's network
 * inspect does not list the default bridge's gateway, so the step reads its own route) and the
 * metadata address.
 */
export function defaultProbeTargets(): ProbeTarget[] {
  return [{ host: gatewayHost, port: gatewayPort, what: 'the engine host (bridge gateway)' }, metadata];
}

/**
 * The step's script: for each target, `bash`'s /dev/tcp under `timeout`. A connection or "Connection
 * refused" (the host's own reset) means reachable; "No route to host" / "Network is unreachable" (the
 * firewall's ICMP reject, or no route) and a timeout mean blocked; anything else is unknown. It exits
 * non-zero on purpose, so that the probe build never exports an image.
 */
export function probeScript(targets: readonly ProbeTarget[]): string {
  const lines = [
    'if ! command -v bash >/dev/null 2>&1 || ! command -v timeout >/dev/null 2>&1; then echo "' + marker + ' no-tool"; exit 3; fi',
    // The default route's gateway from /proc/net/route (little-endian hex), as the step sees it.
    'gw=$(bash -c \'while read -r i d g r; do if [ "$d" = 00000000 ]; then printf "%d.%d.%d.%d" "0x${g:6:2}" "0x${g:4:2}" "0x${g:2:2}" "0x${g:0:2}"; exit; fi; done </proc/net/route\')',
    'probe() {',
    `  if [ "$1" = "${gatewayHost}" ]; then h="$gw"; else h="$1"; fi`,
    `  if [ -z "$h" ]; then echo "${marker} $1:$2 unknown"; return; fi`,
    '  out=$(timeout 4 bash -c \'exec 3<>"/dev/tcp/$0/$1"\' "$h" "$2" 2>&1); rc=$?',
    '  if [ "$rc" = 0 ]; then v=open; elif [ "$rc" = 124 ]; then v=blocked; else',
    '    case "$out" in *"Connection refused"*) v=open ;; *"No route to host"*|*"Network is unreachable"*|*"timed out"*) v=blocked ;; *) v=unknown ;; esac',
    '  fi',
    `  echo "${marker} $1:$2 $v"`,
    '}',
    ...targets.map((target) => `probe '${target.host}' ${target.port} &`),
    'wait',
    `echo "${marker} done"`,
    'exit 3',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Probes the engine's build network from each candidate image in turn (the first with `bash` and
 * `timeout` decides): closed, open (with what answered), or unknown (why).
 */
export async function probeBuildEgress(images: readonly string[], targets: readonly ProbeTarget[], build: ProbeBuild): Promise<ProbeVerdict> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dockyard-egress-probe-'));
  const tried: string[] = [];
  try {
    await writeFile(path.join(dir, 'probe.sh'), probeScript(targets));
    for (const image of images) {
      // A fresh marker per run keeps BuildKit from answering from its cache.
      await writeFile(path.join(dir, 'Dockerfile'), `FROM ${image}\nCOPY probe.sh /dockyard-egress-probe.sh\nRUN sh /dockyard-egress-probe.sh # ${Date.now()}-${Math.random().toString(36).slice(2)}\n`);
      const result = await build(dir, image);
      const said = new Map<string, string>();
      let done = false;
      let noTool = false;
      for (const line of result.logTail) {
        const found = new RegExp(`${marker} (\\S+)(?: (\\S+))?`).exec(line);
        if (!found) continue;
        if (found[1] === 'done') done = true;
        else if (found[1] === 'no-tool') noTool = true;
        else said.set(found[1] ?? '', found[2] ?? 'unknown');
      }
      if (!done) {
        tried.push(noTool ? `\`${image}\` has no bash or timeout` : `\`${image}\` did not run it (${result.failure ?? 'no output'})`);
        continue;
      }
      const reachable = targets.filter((target) => said.get(`${target.host}:${target.port}`) === 'open');
      if (reachable.length > 0) return { status: 'open', image, reachable };
      const unclear = targets.filter((target) => said.get(`${target.host}:${target.port}`) !== 'blocked');
      if (unclear.length > 0) {
        return { status: 'unknown', reason: `the probe in \`${image}\` got no clear answer for ${unclear.map((target) => `${target.host}:${target.port}`).join(', ')}` };
      }
      return { status: 'closed', image };
    }
    return { status: 'unknown', reason: tried.length === 0 ? 'there was no image to run it in' : tried.join('; ') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A closed verdict is trusted this long before the engine is probed again (a firewall can be removed). */
export const probeTtlMs = 10 * 60 * 1000;

const verdicts = new WeakMap<Dockerode, { until: number; verdict: Promise<ProbeVerdict> }>();

/** The engine's verdict: a closed one from the last `probeTtlMs`, else a new probe (shared by concurrent builds). */
export function cachedEgressVerdict(docker: Dockerode, probe: () => Promise<ProbeVerdict>): Promise<ProbeVerdict> {
  const known = verdicts.get(docker);
  if (known && known.until > Date.now()) return known.verdict;
  const verdict = probe();
  verdicts.set(docker, { until: Date.now() + probeTtlMs, verdict });
  // Only a closed verdict is kept: an open or unknown engine is probed again by the next build.
  verdict.then(
    (result) => {
      if (result.status !== 'closed' && verdicts.get(docker)?.verdict === verdict) verdicts.delete(docker);
    },
    () => {
      if (verdicts.get(docker)?.verdict === verdict) verdicts.delete(docker);
    },
  );
  return verdict;
}

/** The operator-facing explanation of a verdict that forbids building. */
export function refusalMessage(verdict: Exclude<ProbeVerdict, { status: 'closed' }>): string {
  const fix =
    'Dockyard builds nothing on this engine until its host carries the build firewall: run `scripts/build-egress-firewall.sh` on the engine host ' +
    '(see the README, "Build network"), or set `build.network: none` in the operator settings.';
  if (verdict.status === 'open') {
    const what = verdict.reachable.map((target) => `${target.host}:${target.port} (${target.what})`).join(', ');
    return `A build step on the Docker engine can reach ${what}: the engine host does not block build steps from itself and from link-local and private networks. ${fix}`;
  }
  return `Dockyard could not verify that build steps on the Docker engine are kept from the engine host and link-local networks: ${verdict.reason}. ${fix} ` +
    'If the catalog\'s images have no bash and timeout, set `build.egress.probeImage` to one that has.';
}
