/**
 * Publish benchmark: builds and pushes the bundled catalog (images/base → python → boto3) with
 * Dockyard (buildImage + pushImage) and with the plain Docker CLI, both with BuildKit, on the same
 * engine and registry, without any cache, alternating sides for several rounds; prints the median wall time of
 * each side and the ratio Dockyard/CLI against the target (at most 1.05). Exits 1 on FAIL.
 *
 *   node bench/publish.ts [--rounds=3] [--only=dockyard|cli] [--keep]
 *
 * Needs the CI engine and registry (scripts/ci/start-dockerd.sh, start-registry.sh, make-root-image.sh).
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { prepareBuildContext } from '../src/adapters/docker/build-context.ts';
import { detectFrontend } from '../src/adapters/docker/detect-frontend.ts';
import { pullImage } from '../src/adapters/docker/image-store.ts';
import type { Mirror, RegistryCredential } from '../src/adapters/docker/types.ts';
import { readLocalCatalog } from '../src/adapters/local/read-local-catalog.ts';
import { parseConfig } from '../src/config/parse-config.ts';
import { configPath } from '../src/config/schema.ts';
import { imageLabels } from '../src/domain/build/image-labels.ts';
import { analyzeCatalog } from '../src/domain/check/analyze-catalog.ts';
import { expectedImages } from '../src/jobs/build-images.ts';
import { readCiEnv } from './publish-env.ts';
import { docker as runDocker, runCli, runDockyard, type BenchImage, type SideRun } from './publish-sides.ts';

const target = 1.05;
const repoRoot = path.resolve(import.meta.dirname, '..');

// ---- arguments and environment -------------------------------------------------------------

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=', 2);
    return [key ?? '', value ?? 'true'] as const;
  }),
);
for (const key of args.keys()) {
  if (!['rounds', 'only', 'keep'].includes(key)) {
    console.error(`unknown option --${key}\nusage: node bench/publish.ts [--rounds=3] [--only=dockyard|cli] [--keep]`);
    process.exit(2);
  }
}
const rounds = Number(args.get('rounds') ?? 3);
const only = args.get('only') as 'dockyard' | 'cli' | undefined;
const keep = args.has('keep');
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
if (only !== undefined && only !== 'dockyard' && only !== 'cli') throw new Error('--only must be dockyard or cli');

const { registry, registryUrl, user, password, mirrorPrefix, standinDigest, dockerBin } = readCiEnv();

// ---- setup (not timed) -----------------------------------------------------------------------

const docker = new Dockerode();
const mirrors: Mirror[] = [{ from: 'docker.io', to: mirrorPrefix }];
const credentials: RegistryCredential[] = [{ registry, username: user, password }];
const auth = { registry, username: user, password };
const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const work = await mkdtemp(path.join(os.tmpdir(), 'dockyard-bench-publish-'));
const dockerConfig = path.join(work, 'docker-config');
let loggedIn = false;
const leftovers = new Set<string>();

let cleaning: Promise<void> | undefined;
const cleanup = () =>
  (cleaning ??= (async () => {
    await removeImages([...leftovers]);
    if (loggedIn) {
      await runDocker({ dockerBin, dockerConfig }, ['logout', registry]).catch((error: unknown) =>
        console.error(`docker logout failed: ${String(error)}`),
      );
      loggedIn = false;
    }
    if (!keep) await rm(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up…`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function removeImages(references: string[]): Promise<void> {
  // Children first; force removes every tag an ID still has.
  for (const reference of [...references].reverse()) {
    try {
      await docker.getImage(reference).remove({ force: true, noprune: false });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) console.error(`could not remove ${reference}: ${(error as Error).message}`);
    }
    leftovers.delete(reference);
  }
}

/** Temp copies of the catalog: Dockyard's with the upstream pin moved to the stand-in, the CLI's with FROM mirrored too. */
async function prepareCatalogs(): Promise<{ images: BenchImage[]; prefix: string; registryArg: string; order: string }> {
  const dockyardRoot = path.join(work, 'dockyard');
  const cliRoot = path.join(work, 'cli');
  const configText = await readFile(path.join(repoRoot, configPath), 'utf8');
  const config = parseConfig(configText, configPath);
  for (const root of [dockyardRoot, cliRoot]) {
    await cp(path.join(repoRoot, config.catalog), path.join(root, config.catalog), { recursive: true });
    await mkdir(path.join(root, path.dirname(configPath)), { recursive: true });
    await writeFile(path.join(root, configPath), configText);
  }
  const upstream = /^(FROM\s+)docker\.io\/(jenkins\/inbound-agent:[^@\s]+)@sha256:[0-9a-f]{64}/m;
  const dockyardBase = path.join(dockyardRoot, config.catalog, 'base', 'Dockerfile');
  const original = await readFile(dockyardBase, 'utf8');
  if (!upstream.test(original)) throw new Error(`${config.catalog}/base/Dockerfile has no digest-pinned FROM docker.io/jenkins/inbound-agent`);
  const pinned = original.replace(upstream, `$1docker.io/$2@${standinDigest}`);
  await writeFile(dockyardBase, pinned);
  // The CLI has no mirror setting: its copy names the mirror directly (done here, outside the timed part).
  const mirroredFrom = `${mirrorPrefix.replace(/\/+$/, '')}/`;
  await writeFile(path.join(cliRoot, config.catalog, 'base', 'Dockerfile'), pinned.replace(upstream, `$1${mirroredFrom}$2@${standinDigest}`));

  // The order and the parents come from Dockyard's own analysis of the copied catalog.
  const analysis = analyzeCatalog(await readLocalCatalog(dockyardRoot, config.catalog), 'all', config);
  const problems = [...analysis.catalog.findings, ...analysis.policy.findings].filter((finding) => finding.severity === 'error');
  if (problems.length > 0) throw new Error(`the copied catalog has errors: ${JSON.stringify(problems.slice(0, 3))}`);
  const images: BenchImage[] = [];
  for (const name of analysis.plan.flat()) {
    const image = analysis.catalog.images.get(name);
    const model = image?.model;
    if (!image || !model) continue;
    const dockyardDir = path.join(dockyardRoot, image.dir);
    const cliDir = path.join(cliRoot, image.dir);
    images.push({
      name,
      dockyardDir,
      cliDir,
      labels: imageLabels({
        image: name,
        ...(image.metadata.description ? { description: image.metadata.description } : {}),
        source: 'https://github.com/example/jenkins-agents',
        revision: 'bench-publish',
        created: new Date('2026-01-01T00:00:00Z'),
        parent: image.parent,
      }),
      frontend: model.frontend,
      expectedImages: (runRegistry) => expectedImages(model, config, runRegistry, mirrors),
    });
    // Both sides must send the engine the same Dockerfile.
    const context = await prepareBuildContext({ contextDir: dockyardDir, mirrors, frontend: model.frontend, buildArgs: { [config.registryArg]: 'x' } });
    if (context.status !== 'ready') throw new Error(`Dockyard refuses ${name}: ${context.message}`);
    context.tar.destroy();
    const cliDockerfile = await readFile(path.join(cliDir, 'Dockerfile'), 'utf8');
    if (context.dockerfile !== cliDockerfile) throw new Error(`the CLI copy of ${name}/Dockerfile differs from what Dockyard sends`);
  }
  return { images, prefix: config.prefix, registryArg: config.registryArg, order: analysis.plan.map((level) => level.join(',')).join(' → ') };
}

/** The stand-in is resolved from the local store by both sides alike: make sure it is there before each side. */
async function ensureStandin(): Promise<void> {
  const reference = `${mirrorPrefix}/jenkins/inbound-agent@${standinDigest}`;
  try {
    await docker.getImage(reference).inspect();
  } catch {
    await pullImage(docker, reference, credentials);
  }
}

/** Checks the registry serves each pushed tag at the digest the push reported. */
async function verifyPushed(repoPrefix: string, prefix: string, run: SideRun): Promise<void> {
  const headers = {
    Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
  };
  for (const step of run.steps) {
    const response = await fetch(`${registryUrl}/v2/${repoPrefix}/${prefix}/${step.name}/manifests/latest`, { method: 'HEAD', headers });
    const digest = response.headers.get('docker-content-digest');
    if (!response.ok || digest !== step.digest) {
      throw new Error(`registry has ${repoPrefix}/${prefix}/${step.name}:latest at ${digest ?? response.status}, the push said ${step.digest}`);
    }
  }
}

// ---- run ---------------------------------------------------------------------------------------

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const s = (ms: number) => (ms / 1000).toFixed(1);

let exitCode = 0;
try {
  const { images, prefix, registryArg, order } = await prepareCatalogs();
  const frontend = await detectFrontend(docker);
  const cliVersion = execFileSync(dockerBin, ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8' }).trim();
  const engine = await docker.version();
  console.log(`engine ${engine.Version} (API ${engine.ApiVersion}), ${os.cpus().length} CPUs, load ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  console.log(`catalog: ${order} (prefix ${prefix}); registry ${registry}; run ${runId}; ${rounds} round(s), no cache`);
  console.log(
    `builder: BuildKit on both sides (engine frontend ${frontend}); CLI DOCKER_BUILDKIT=1 ${dockerBin} (${cliVersion})`,
  );

  if (only !== 'dockyard') {
    await runDocker({ dockerBin, dockerConfig }, ['login', registry, '-u', user, '--password-stdin'], password);
    loggedIn = true;
  }

  type Row = { round: number; first: string; dockyard?: SideRun; cli?: SideRun };
  const rows: Row[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate who goes first, so a side never always meets a warmer (or busier) Debian mirror.
    const sides = (round % 2 === 1 ? ['dockyard', 'cli'] : ['cli', 'dockyard']).filter((side) => !only || side === only) as (
      | 'dockyard'
      | 'cli'
    )[];
    const row: Row = { round, first: sides[0] as string };
    for (const side of sides) {
      await ensureStandin();
      const repoPrefix = `bench-publish/${runId}-r${round}-${side}`;
      const common = { docker, images, registry, repoPrefix, prefix, registryArg, auth, leftovers };
      const run =
        side === 'dockyard'
          ? await runDockyard({ ...common, mirrors, credentials })
          : await runCli({ ...common, dockerBin, dockerConfig });
      row[side] = run;
      await verifyPushed(repoPrefix, prefix, run);
      const detail = run.steps.map((step) => `${step.name} ${s(step.buildMs)}+${s(step.pushMs)}`).join(', ');
      console.log(`round ${round} ${side.padEnd(8)} ${s(run.totalMs).padStart(6)} s  [${run.builder}]  build+push s: ${detail}; node CPU ${s(run.cpuMs)} s`);
      await removeImages(run.leftovers);
    }
    rows.push(row);
  }

  // ---- report ----------------------------------------------------------------------------------
  const pad = (text: string, width: number) => text.padStart(width);
  console.log('');
  console.log(`| round | first    | Dockyard s | CLI s | ratio |`);
  console.log(`|------:|----------|-----------:|------:|------:|`);
  for (const row of rows) {
    const ratio = row.dockyard && row.cli ? (row.dockyard.totalMs / row.cli.totalMs).toFixed(3) : '—';
    console.log(`| ${pad(String(row.round), 5)} | ${row.first.padEnd(8)} | ${pad(row.dockyard ? s(row.dockyard.totalMs) : '—', 10)} | ${pad(row.cli ? s(row.cli.totalMs) : '—', 5)} | ${pad(ratio, 5)} |`);
  }
  const dockyardRuns = rows.flatMap((row) => (row.dockyard ? [row.dockyard] : []));
  const cliRuns = rows.flatMap((row) => (row.cli ? [row.cli] : []));
  const medianOf = (runs: SideRun[]) => (runs.length ? median(runs.map((run) => run.totalMs)) : NaN);
  const dMedian = medianOf(dockyardRuns);
  const cMedian = medianOf(cliRuns);
  console.log(`| median |         | ${pad(s(dMedian), 10)} | ${pad(s(cMedian), 5)} | ${pad((dMedian / cMedian).toFixed(3), 5)} |`);

  console.log('');
  console.log('Median per step, s (build includes the engine\'s apt-get; Dockyard\'s build also the parent tag):');
  console.log(`| side     | ${images.map((image) => `build ${image.name}`).join(' | ')} | ${images.map((image) => `push ${image.name}`).join(' | ')} |`);
  console.log(`|----------|${images.map(() => '---:|').join('')}${images.map(() => '---:|').join('')}`);
  for (const [side, runs] of [['Dockyard', dockyardRuns], ['CLI', cliRuns]] as const) {
    if (runs.length === 0) continue;
    const cells = [
      ...images.map((_, i) => s(median(runs.map((run) => run.steps[i]?.buildMs ?? 0)))),
      ...images.map((_, i) => s(median(runs.map((run) => run.steps[i]?.pushMs ?? 0)))),
    ];
    console.log(`| ${side.padEnd(8)} | ${cells.join(' | ')} |`);
  }
  console.log('');
  console.log(`builders used: Dockyard ${[...new Set(dockyardRuns.map((run) => run.builder))].join(',') || '—'}, CLI ${[...new Set(cliRuns.map((run) => run.builder))].join(',') || '—'}`);
  if (dockyardRuns.length && cliRuns.length) {
    const ratio = dMedian / cMedian;
    const pass = ratio <= target;
    console.log(
      `Dockyard/CLI median wall time ${s(dMedian)} s / ${s(cMedian)} s = ${ratio.toFixed(3)} (target: at most ${target}): ${pass ? 'PASS' : 'FAIL'}`,
    );
    if (!pass) exitCode = 1;
  }
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  exitCode = 2;
} finally {
  await cleanup();
}
process.exit(exitCode);
