import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';

const run = promisify(execFile);
const stateDir = process.env['DOCKYARD_CI_STATE'] ?? '/tmp/dockyard-ci';

/** The real registry and Docker engine of scripts/ci, as the registry tests use them. */
export interface CiRegistry {
  docker: Dockerode;
  /** e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** e.g. `127.0.0.1:5000`. */
  host: string;
  user: string;
  password: string;
  /** Local root image test images start FROM. */
  rootImage: string;
}

async function readEnvFile(file: string): Promise<Record<string, string>> {
  const text = await readFile(path.join(stateDir, file), 'utf8');
  const entries = text
    .split('\n')
    .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => [match[1]!, match[2]!.replace(/^"(.*)"$/, '$1')]);
  return Object.fromEntries(entries) as Record<string, string>;
}

async function script(name: string): Promise<void> {
  try {
    await run('bash', [path.resolve('scripts/ci', name)], { timeout: 110_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`scripts/ci/${name} failed, so the registry tests cannot run:\n${stderr ?? String(error)}`);
  }
}

async function answers(check: () => Promise<unknown>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}

/** Starts dockerd, the registry and the root image through scripts/ci when they do not answer; throws if they cannot start. */
export async function ciRegistry(): Promise<CiRegistry> {
  const docker = new Dockerode();
  if (!(await answers(() => docker.ping()))) await script('start-dockerd.sh');
  const registryUp = async () => {
    const env = await readEnvFile('registry.env');
    const response = await fetch(`${env['DOCKYARD_REGISTRY_URL']}/v2/`);
    if (response.status !== 401) throw new Error(`GET /v2/ answered ${response.status}`);
  };
  if (!(await answers(registryUp))) await script('start-registry.sh');
  const registry = await readEnvFile('registry.env');
  const images = await readEnvFile('images.env').catch(() => ({}) as Record<string, string>);
  const rootImage = images['DOCKYARD_ROOT_IMAGE'] ?? 'dockyard-ci/debian:bookworm';
  if (!(await answers(() => docker.getImage(rootImage).inspect()))) await script('make-root-image.sh');
  await docker.ping();
  await docker.getImage(rootImage).inspect();
  return {
    docker,
    url: registry['DOCKYARD_REGISTRY_URL']!,
    host: registry['DOCKYARD_REGISTRY']!,
    user: registry['DOCKYARD_REGISTRY_USER']!,
    password: registry['DOCKYARD_REGISTRY_PASSWORD']!,
    rootImage,
  };
}

/** Builds a one-file-context image with the classic builder, tagged `tag` if given, and returns its image ID. */
export async function buildImage(docker: Dockerode, dockerfile: string, tag?: string): Promise<string> {
  const context = await mkdtemp(path.join(tmpdir(), 'dockyard-registry-test-'));
  try {
    await writeFile(path.join(context, 'Dockerfile'), dockerfile);
    const stream = await docker.buildImage({ context, src: ['Dockerfile'] }, tag === undefined ? {} : { t: tag });
    const events = await new Promise<BuildEvent[]>((resolve, reject) => {
      docker.modem.followProgress(stream, (error, output: BuildEvent[]) => (error ? reject(error) : resolve(output)));
    });
    const failure = events.find((event) => event.error !== undefined);
    if (failure !== undefined) throw new Error(`building ${tag ?? 'an image'} failed: ${failure.error}`);
    const id = events.find((event) => event.aux?.ID !== undefined)?.aux?.ID;
    if (id === undefined) throw new Error('the build reported no image ID');
    return id;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

interface BuildEvent {
  error?: string;
  aux?: { ID?: string };
}

/** PUTs a manifest document under `repository:tag` with the registry's real credentials. */
export async function putManifest(ci: CiRegistry, repository: string, tag: string, mediaType: string, document: unknown): Promise<void> {
  const response = await fetch(`${ci.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'Content-Type': mediaType, Authorization: `Basic ${Buffer.from(`${ci.user}:${ci.password}`).toString('base64')}` },
    body: JSON.stringify(document),
  });
  if (response.status !== 201) throw new Error(`PUT manifest ${repository}:${tag} answered ${response.status}: ${await response.text()}`);
}

/** Removes local images by name, ignoring those already gone. */
export async function removeImages(docker: Dockerode, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await docker
      .getImage(name)
      .remove({ force: true })
      .catch(() => undefined);
  }
}
