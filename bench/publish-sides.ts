/**
 * The two sides bench/publish.ts times, on the same engine and registry:
 * Dockyard (buildImage + pushImage, the project's real adapters, parents tagged the way
 * src/jobs/build-images.ts does) and the plain Docker CLI (`docker build --no-cache` + `docker push`).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { buildImage } from '../src/adapters/docker/build-image.ts';
import { tagImage } from '../src/adapters/docker/image-store.ts';
import type { Mirror, RegistryCredential } from '../src/adapters/docker/types.ts';
import { pushImage } from '../src/adapters/registry/push-image.ts';
import type { RegistryAuth } from '../src/adapters/registry/types.ts';
import type { DockerfileFrontend } from '../src/domain/dockerfile/frontend.ts';
import { movingTag } from '../src/domain/publish/tag-scheme.ts';

/** One catalog image, in build order, with what both sides need to build it. */
export interface BenchImage {
  name: string;
  /** Image folder in the Dockyard copy (Dockerfile as committed, digest pinned to the stand-in). */
  dockyardDir: string;
  /** Image folder in the CLI copy (the upstream FROM already rewritten to the mirror). */
  cliDir: string;
  labels: Record<string, string>;
  /** The frontend Dockyard read its Dockerfile with (the mirrors are applied by its rules). */
  frontend: DockerfileFrontend;
  /** The images its build may resolve, given the run-local registry its catalog parents are tagged under. */
  expectedImages(runRegistry: string): string[];
}

export interface SideRun {
  /** Wall time of the whole side: three builds and three pushes, in ms. */
  totalMs: number;
  /** Per image: build ms (for Dockyard including the parent tag for the next image), push ms. */
  steps: { name: string; buildMs: number; pushMs: number; digest: string }[];
  builder: string;
  /** CPU time this Node process spent during the side (user + system), in ms: Dockyard's own work, or spawning the CLI. */
  cpuMs: number;
  /** Local images to remove afterwards (IDs or references). */
  leftovers: string[];
}

export interface SideOptions {
  docker: Dockerode;
  images: readonly BenchImage[];
  /** `127.0.0.1:5000`. */
  registry: string;
  /** Fresh path under the registry for this side and round: `<registry>/<repoPrefix>/<prefix>/<name>`. */
  repoPrefix: string;
  /** Catalog prefix from .github/dockyard.yml, `jenkins-agents`. */
  prefix: string;
  /** Build arg that names the registry (`REGISTRY`). */
  registryArg: string;
  auth: RegistryAuth;
  /** Every local image the side creates is added here at once, so a failed run can still be cleaned up. */
  leftovers: Set<string>;
}

const now = () => performance.now();
const cpuSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** Dockyard: buildImage for base → python → boto3 (each parent tagged under a run-local name), then pushImage each. */
export async function runDockyard(
  options: SideOptions & { mirrors: readonly Mirror[]; credentials: readonly RegistryCredential[] },
): Promise<SideRun> {
  const { docker, images, prefix } = options;
  const runRegistry = `dockyard.local/rbench${Math.random().toString(36).slice(2, 10)}`;
  const leftovers: string[] = [];
  const steps: SideRun['steps'] = [];
  const built = new Map<string, string>();
  let builder = '';
  const cpu = process.cpuUsage();
  const start = now();
  for (const image of images) {
    const t0 = now();
    const result = await buildImage(docker, {
      image: image.name,
      contextDir: image.dockyardDir,
      tags: [],
      buildArgs: { [options.registryArg]: runRegistry },
      labels: image.labels,
      mirrors: options.mirrors,
      frontend: image.frontend,
      expectedImages: image.expectedImages(runRegistry),
      credentials: options.credentials,
      noCache: true,
    });
    if (result.status !== 'built') {
      const detail = result.status === 'refused' ? result.message : `${result.status === 'failed' ? (result.step ?? '') : ''} ${result.message}\n${result.logTail.join('\n')}`;
      throw new Error(`Dockyard: ${image.name} ${result.status}: ${detail}`);
    }
    builder ||= result.frontend;
    leftovers.push(result.imageId);
    options.leftovers.add(result.imageId);
    built.set(image.name, result.imageId);
    // What build-images.ts does after each build: the child's FROM ${REGISTRY}/<prefix>/<name> finds it here.
    await tagImage(docker, result.imageId, `${runRegistry}/${prefix}/${image.name}:${movingTag}`);
    steps.push({ name: image.name, buildMs: now() - t0, pushMs: 0, digest: '' });
  }
  for (const step of steps) {
    const t0 = now();
    const repository = `${options.registry}/${options.repoPrefix}/${prefix}/${step.name}`;
    const { digest } = await pushImage(docker, built.get(step.name) as string, repository, movingTag, options.auth);
    step.pushMs = now() - t0;
    step.digest = digest;
  }
  return { totalMs: now() - start, steps, builder, cpuMs: cpuSince(cpu), leftovers };
}

export interface CliOptions extends SideOptions {
  /** The docker binary: Debian's /usr/bin/docker (20.10) has the embedded BuildKit client. */
  dockerBin: string;
  /** `DOCKER_CONFIG` holding the login for the registry. */
  dockerConfig: string;
}

/** The plain CLI: `docker build --no-cache --build-arg REGISTRY=… -t …` three times, then `docker push` each. */
export async function runCli(options: CliOptions): Promise<SideRun> {
  const { images, prefix } = options;
  const registryValue = `${options.registry}/${options.repoPrefix}`;
  const steps: SideRun['steps'] = [];
  const refs: string[] = [];
  let builder = '';
  const cpu = process.cpuUsage();
  const start = now();
  for (const image of images) {
    const ref = `${registryValue}/${prefix}/${image.name}:${movingTag}`;
    const labels = Object.entries(image.labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
    const t0 = now();
    const output = await docker(options, [
      'build', '--no-cache', '--build-arg', `${options.registryArg}=${registryValue}`, ...labels, '-t', ref, image.cliDir,
    ]);
    refs.push(ref);
    options.leftovers.add(ref);
    builder ||= /^#\d+ /m.test(output) ? 'buildkit' : 'unknown';
    steps.push({ name: image.name, buildMs: now() - t0, pushMs: 0, digest: '' });
  }
  for (const [i, step] of steps.entries()) {
    const t0 = now();
    const output = await docker(options, ['push', refs[i] as string]);
    step.pushMs = now() - t0;
    step.digest = /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1] ?? '';
    if (step.digest === '') throw new Error(`CLI: docker push ${refs[i]} printed no digest:\n${output.slice(-2000)}`);
  }
  return { totalMs: now() - start, steps, builder, cpuMs: cpuSince(cpu), leftovers: refs };
}

/** Runs the docker CLI with BuildKit and the side's config; resolves with stdout+stderr, rejects on a non-zero exit. */
export function docker(
  options: Pick<CliOptions, 'dockerBin' | 'dockerConfig'>,
  args: string[],
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.dockerBin, args, {
      env: {
        ...process.env,
        DOCKER_CONFIG: options.dockerConfig,
        DOCKER_BUILDKIT: '1',
        BUILDKIT_PROGRESS: 'plain',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const output = Buffer.concat(chunks).toString('utf8');
      if (code === 0) resolve(output);
      else reject(new Error(`${path.basename(options.dockerBin)} ${args[0]} … ${args.at(-1)} exited ${code}:\n${output.slice(-3000)}`));
    });
    child.stdin.end(input ?? '');
  });
}
