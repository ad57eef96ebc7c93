/**
 * Where does Dockyard's publish time go? Two probes on the CI engine and registry (see bench/publish.ts):
 *
 *   node bench/publish-profile.ts [--part=phases|ab|both] [--iterations=6] [--blob-mb=32]
 *
 * - phases: one Dockyard build + push of the bundled catalog, no cache, with every engine API call
 *   timed (docker.modem.dial is wrapped on this process's Dockerode instance; src/ is untouched), so
 *   the gaps between calls show Dockyard's own work: context tar, frontend check, session setup,
 *   progress-stream handling, tagging, push bookkeeping. Also times prepareBuildContext alone.
 * - ab: a build that needs no network (FROM the stand-in, `RUN head -c <blob-mb>M /dev/urandom`), so
 *   apt-get's mirror noise is gone; Dockyard and the CLI alternate, each building with no cache and
 *   pushing a fresh layer to a fresh repository; medians of build and push per side.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import Dockerode from 'dockerode';
import type DockerModem from 'docker-modem';
import { prepareBuildContext } from '../src/adapters/docker/build-context.ts';
import { detectFrontend } from '../src/adapters/docker/detect-frontend.ts';
import { pullImage } from '../src/adapters/docker/image-store.ts';
import type { Mirror, RegistryCredential } from '../src/adapters/docker/types.ts';
import { readLocalCatalog } from '../src/adapters/local/read-local-catalog.ts';
import { parseConfig } from '../src/config/parse-config.ts';
import { configPath } from '../src/config/schema.ts';
import { analyzeCatalog } from '../src/domain/check/analyze-catalog.ts';
import { defaultFrontend } from '../src/domain/dockerfile/frontend.ts';
import { expectedImages } from '../src/jobs/build-images.ts';
import { readCiEnv } from './publish-env.ts';
import { docker as runDocker, runCli, runDockyard, type BenchImage, type SideRun } from './publish-sides.ts';

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=', 2);
    return [key ?? '', value ?? 'true'] as const;
  }),
);
const part = args.get('part') ?? 'both';
const iterations = Number(args.get('iterations') ?? 6);
const blobMb = Number(args.get('blob-mb') ?? 32);
const repoRoot = path.resolve(import.meta.dirname, '..');
const ci = readCiEnv();
const docker = new Dockerode();
const mirrors: Mirror[] = [{ from: 'docker.io', to: ci.mirrorPrefix }];
const credentials: RegistryCredential[] = [{ registry: ci.registry, username: ci.user, password: ci.password }];
const auth = { registry: ci.registry, username: ci.user, password: ci.password };
const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const work = await mkdtemp(path.join(os.tmpdir(), 'dockyard-bench-profile-'));
const dockerConfig = path.join(work, 'docker-config');
const leftovers = new Set<string>();
const now = () => performance.now();
const ms = (value: number) => value.toFixed(0).padStart(6);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

// ---- the engine call timeline ----------------------------------------------------------------

interface Call {
  what: string;
  start: number;
  /** Callback of dial: response headers (or the hijacked socket). */
  answered?: number;
  /** End of a streamed response body (build progress, push progress, session socket). */
  ended?: number;
  bytes: number;
}
const calls: Call[] = [];
let recording = false;
const modem = docker.modem as DockerModem & { dial: DockerModem['dial'] };
const originalDial = modem.dial.bind(modem);
modem.dial = ((options: DockerModem.DialOptions, callback: (error: unknown, result: unknown) => void) => {
  if (!recording) return originalDial(options, callback);
  const call: Call = { what: `${options.method} ${String(options.path).replace(/\?.*$/, '')}`, start: now(), bytes: 0 };
  calls.push(call);
  return originalDial(options, (error: unknown, result: unknown) => {
    call.answered = now();
    const stream = result as (IncomingMessage | Duplex) | undefined;
    if (stream && typeof (stream as Duplex).on === 'function' && (options.isStream || options.hijack)) {
      const end = () => (call.ended ??= now());
      // A 'data' listener would switch the stream to flowing mode: on the hijacked session socket it
      // would eat the engine's HTTP/2 preface before gRPC is attached. Only count bytes of responses
      // whose reader is attached in the same tick (build and push progress).
      if (!options.hijack) stream.on('data', (chunk: Buffer) => (call.bytes += chunk.length));
      stream.on('end', end);
      stream.on('close', end);
    }
    callback(error, result);
  });
}) as DockerModem['dial'];

async function ensureStandin(): Promise<void> {
  const reference = `${ci.mirrorPrefix}/jenkins/inbound-agent@${ci.standinDigest}`;
  try {
    await docker.getImage(reference).inspect();
  } catch {
    await pullImage(docker, reference, credentials);
  }
}

async function removeImages(references: Iterable<string>): Promise<void> {
  for (const reference of [...references].reverse()) {
    await docker.getImage(reference).remove({ force: true }).catch(() => undefined);
    leftovers.delete(reference);
  }
}

/** Copies the catalog with base pinned to the stand-in (Dockyard's copy) and its FROM mirrored (the CLI's). */
async function catalogCopy(): Promise<{ images: BenchImage[]; prefix: string; registryArg: string }> {
  const configText = await readFile(path.join(repoRoot, configPath), 'utf8');
  const config = parseConfig(configText, configPath);
  const upstream = /^(FROM\s+)docker\.io\/(jenkins\/inbound-agent:[^@\s]+)@sha256:[0-9a-f]{64}/m;
  for (const side of ['dockyard', 'cli']) {
    const root = path.join(work, side);
    await cp(path.join(repoRoot, config.catalog), path.join(root, config.catalog), { recursive: true });
    await mkdir(path.join(root, '.github'), { recursive: true });
    await writeFile(path.join(root, configPath), configText);
    const file = path.join(root, config.catalog, 'base', 'Dockerfile');
    const host = side === 'dockyard' ? 'docker.io/' : `${ci.mirrorPrefix}/`;
    await writeFile(file, (await readFile(file, 'utf8')).replace(upstream, `$1${host}$2@${ci.standinDigest}`));
  }
  const analysis = analyzeCatalog(await readLocalCatalog(path.join(work, 'dockyard'), config.catalog), 'all', config);
  const images = analysis.plan.flat().map((name) => {
    const image = analysis.catalog.images.get(name);
    const model = image?.model;
    if (!image || !model) throw new Error(`the copied catalog cannot read ${name}`);
    return {
      name,
      dockyardDir: path.join(work, 'dockyard', image.dir),
      cliDir: path.join(work, 'cli', image.dir),
      labels: { 'org.opencontainers.image.title': name },
      frontend: model.frontend,
      expectedImages: (runRegistry: string) => expectedImages(model, config, runRegistry, mirrors),
    };
  });
  return { images, prefix: config.prefix, registryArg: config.registryArg };
}

// ---- part 1: phases --------------------------------------------------------------------------

async function phases(): Promise<void> {
  const { images, prefix, registryArg } = await catalogCopy();
  console.log('## phases: one Dockyard build + push of the catalog, engine calls timed');
  // The context tar alone (Dockyard's own work before anything is sent).
  for (const image of images) {
    const t0 = now();
    const context = await prepareBuildContext({ contextDir: image.dockyardDir, mirrors, frontend: image.frontend, buildArgs: { [registryArg]: 'x' } });
    if (context.status !== 'ready') throw new Error(context.message);
    let bytes = 0;
    for await (const chunk of context.tar) bytes += (chunk as Buffer).length;
    console.log(`prepareBuildContext ${image.name}: ${(now() - t0).toFixed(1)} ms for ${bytes} bytes of tar`);
  }
  const t0 = now();
  await detectFrontend(docker);
  console.log(`detectFrontend (GET /_ping + GET /version, then remembered), first call: ${(now() - t0).toFixed(1)} ms`);

  await ensureStandin();
  recording = true;
  const cpu = process.cpuUsage();
  const start = now();
  const run = await runDockyard({
    docker, images, registry: ci.registry, repoPrefix: `bench-publish/${runId}-phases`, prefix, registryArg, auth, leftovers,
    mirrors, credentials,
  });
  const wall = now() - start;
  recording = false;
  const used = process.cpuUsage(cpu);
  console.log(`wall ${(wall / 1000).toFixed(1)} s, node CPU ${((used.user + used.system) / 1000).toFixed(0)} ms, builder ${run.builder}`);
  console.log('');
  console.log('|  start ms | answered ms | stream ms | gap before ms | bytes | call |');
  console.log('|----------:|------------:|----------:|--------------:|------:|------|');
  let previousEnd = start;
  let engineMs = 0;
  let gapsMs = 0;
  for (const call of calls) {
    const gap = call.start - previousEnd;
    const answered = (call.answered ?? call.start) - call.start;
    const streamed = call.ended !== undefined && call.answered !== undefined ? call.ended - call.answered : 0;
    console.log(`| ${ms(call.start - start)} | ${ms(answered)} | ${ms(streamed)} | ${ms(Math.max(gap, 0))} | ${String(call.bytes).padStart(8)} | ${call.what} |`);
    // The session socket stays open through its build: it does not block anything by itself.
    if (call.what !== 'POST /session') {
      const end = Math.max(call.ended ?? 0, call.answered ?? call.start);
      if (gap > 0) gapsMs += gap;
      engineMs += end - Math.max(call.start, previousEnd);
      previousEnd = Math.max(previousEnd, end);
    }
  }
  gapsMs += Math.max(start + wall - previousEnd, 0);
  console.log('');
  console.log(`time inside engine calls ${(engineMs / 1000).toFixed(2)} s; between calls (Dockyard's own work) ${gapsMs.toFixed(0)} ms of ${(wall / 1000).toFixed(1)} s`);
  for (const step of run.steps) console.log(`  ${step.name}: build ${(step.buildMs / 1000).toFixed(1)} s, push ${(step.pushMs / 1000).toFixed(1)} s`);
  await removeImages(run.leftovers);
}

// ---- part 2: network-free A/B ------------------------------------------------------------------

async function ab(): Promise<void> {
  console.log('');
  console.log(`## ab: network-free build (${blobMb} MB random layer) + push, ${iterations} per side, alternating, no cache`);
  const dirs = { dockyard: path.join(work, 'ab-dockyard'), cli: path.join(work, 'ab-cli') };
  const tag = '3327.v868139a_d00e0-1-jdk21';
  for (const [side, dir] of Object.entries(dirs)) {
    await mkdir(dir, { recursive: true });
    const from = side === 'dockyard' ? 'docker.io' : ci.mirrorPrefix;
    await writeFile(
      path.join(dir, 'Dockerfile'),
      `FROM ${from}/jenkins/inbound-agent:${tag}@${ci.standinDigest}\nUSER root\nRUN head -c ${blobMb}M /dev/urandom > /blob\nUSER jenkins\n`,
    );
  }
  const image: BenchImage = {
    name: 'probe',
    dockyardDir: dirs.dockyard,
    cliDir: dirs.cli,
    labels: { 'org.opencontainers.image.title': 'probe' },
    // One FROM, no continuation or variable: every frontend reads it alike.
    frontend: defaultFrontend,
    expectedImages: () => [`${ci.mirrorPrefix}/jenkins/inbound-agent:${tag}@${ci.standinDigest}`],
  };
  await runDocker({ dockerBin: ci.dockerBin, dockerConfig }, ['login', ci.registry, '-u', ci.user, '--password-stdin'], ci.password);
  const results: Record<'dockyard' | 'cli', SideRun[]> = { dockyard: [], cli: [] };
  try {
    for (let i = 1; i <= iterations; i++) {
      for (const side of i % 2 ? (['dockyard', 'cli'] as const) : (['cli', 'dockyard'] as const)) {
        await ensureStandin();
        const common = { docker, images: [image], registry: ci.registry, repoPrefix: `bench-publish/${runId}-ab${i}-${side}`, prefix: 'p', registryArg: 'REGISTRY', auth, leftovers };
        const run = side === 'dockyard'
          ? await runDockyard({ ...common, mirrors, credentials })
          : await runCli({ ...common, dockerBin: ci.dockerBin, dockerConfig });
        results[side].push(run);
        const step = run.steps[0];
        console.log(`${String(i).padStart(2)} ${side.padEnd(8)} [${run.builder}] build ${ms(step?.buildMs ?? 0)} ms  push ${ms(step?.pushMs ?? 0)} ms`);
        await removeImages(run.leftovers);
      }
    }
  } finally {
    await runDocker({ dockerBin: ci.dockerBin, dockerConfig }, ['logout', ci.registry]).catch(() => undefined);
  }
  const pick = (runs: SideRun[], key: 'buildMs' | 'pushMs') => median(runs.map((run) => run.steps[0]?.[key] ?? 0));
  console.log('');
  console.log('| side     | median build ms | median push ms | median total ms |');
  console.log('|----------|----------------:|---------------:|----------------:|');
  for (const side of ['dockyard', 'cli'] as const) {
    const runs = results[side];
    console.log(`| ${side.padEnd(8)} | ${ms(pick(runs, 'buildMs'))} | ${ms(pick(runs, 'pushMs'))} | ${ms(median(runs.map((run) => run.totalMs)))} |`);
  }
}

try {
  if (part === 'phases' || part === 'both') await phases();
  if (part === 'ab' || part === 'both') await ab();
} finally {
  await removeImages([...leftovers]);
  await rm(work, { recursive: true, force: true });
  // Keep the check that the CLI logged out visible.
  const configLeft = spawnSync('ls', [dockerConfig]).status === 0;
  if (configLeft) console.error(`warning: ${dockerConfig} still exists`);
}
