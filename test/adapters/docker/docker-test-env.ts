import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { extract } from 'tar-stream';
import { afterAll, beforeAll } from 'vitest';
import { buildImage } from '../../../src/adapters/docker/build-image.ts';
import type { BuildRequest, BuildResult, RegistryCredential } from '../../../src/adapters/docker/types.ts';

// The real dockerd, registry and root image that scripts/ci starts and makes (see scripts/ci/README.md).

const stateDir = process.env['DOCKYARD_CI_STATE'] ?? '/tmp/dockyard-ci';

export interface DockerTestEnv {
  docker: Dockerode;
  /** Local root image fixtures start FROM, e.g. `dockyard-ci/debian:bookworm`. */
  rootImage: string;
  registry: { host: string; user: string; password: string };
  /** `DOCKYARD_MIRROR_PREFIX`: stands for docker.io, e.g. `127.0.0.1:5000/mirror`. */
  mirrorPrefix: string;
  /** Registry digest of the root image pushed under the mirror as `library/debian:<codename>`. */
  mirrorDebianDigest: string;
}

/** Connects to the CI engine; fails (never skips) with the script to run when a piece is missing. */
export async function dockerTestEnv(): Promise<DockerTestEnv> {
  const docker = new Dockerode();
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(`No Docker engine answers (${String(error)}). Start one with: bash scripts/ci/start-dockerd.sh`);
  }
  const registry = await readEnvFile('registry.env', 'bash scripts/ci/start-registry.sh');
  const images = await readEnvFile('images.env', 'bash scripts/ci/make-root-image.sh');
  const rootImage = images['DOCKYARD_ROOT_IMAGE'] ?? 'dockyard-ci/debian:bookworm';
  try {
    await docker.getImage(rootImage).inspect();
  } catch {
    throw new Error(`The root image ${rootImage} is missing. Make it with: bash scripts/ci/make-root-image.sh`);
  }
  return {
    docker,
    rootImage,
    registry: {
      host: required(registry, 'DOCKYARD_REGISTRY', 'start-registry.sh'),
      user: required(registry, 'DOCKYARD_REGISTRY_USER', 'start-registry.sh'),
      password: required(registry, 'DOCKYARD_REGISTRY_PASSWORD', 'start-registry.sh'),
    },
    mirrorPrefix: required(images, 'DOCKYARD_MIRROR_PREFIX', 'make-root-image.sh'),
    mirrorDebianDigest: required(images, 'DOCKYARD_MIRROR_DEBIAN_DIGEST', 'make-root-image.sh'),
  };
}

/** What the tests of one file share of the CI engine. */
export interface DockerTestFile {
  /** Random hex unique to this run of the file, for tags and markers. */
  readonly run: string;
  readonly folders: FixtureFolders;
  readonly images: CreatedImages;
  /** The engine, registry and images; connected before the file's own `beforeAll` hooks run. */
  readonly env: DockerTestEnv;
  /** Whether the engine answered (an `afterAll` cleans up only then). */
  readonly connected: boolean;
  /** The CI registry's credentials, as a build request takes them. */
  credentials(): RegistryCredential[];
}

/**
 * The CI engine for the tests of the file it is called in: connected before them, and the images and
 * fixture folders they made removed after them (after the file's own `afterAll` hooks).
 */
export function useDockerTestEnv(): DockerTestFile {
  let env: DockerTestEnv | undefined;
  const file: DockerTestFile = {
    run: randomBytes(4).toString('hex'),
    folders: new FixtureFolders(),
    images: new CreatedImages(),
    get env() {
      if (!env) throw new Error('the Docker test environment is connected in beforeAll');
      return env;
    },
    get connected() {
      return env !== undefined;
    },
    credentials() {
      const { host, user, password } = file.env.registry;
      return [{ registry: host, username: user, password }];
    },
  };
  beforeAll(async () => {
    env = await dockerTestEnv();
  });
  afterAll(async () => {
    if (env) await file.images.removeAll(env.docker);
    await file.folders.cleanup();
  });
  return file;
}

async function readEnvFile(file: string, fix: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path.join(stateDir, file), 'utf8');
  } catch {
    throw new Error(`${path.join(stateDir, file)} is missing. Create it with: ${fix}`);
  }
  const entries = [...text.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((match) => [
    match[1] ?? '',
    (match[2] ?? '').replace(/^"(.*)"$/, '$1'),
  ]);
  return Object.fromEntries(entries) as Record<string, string>;
}

function required(env: Record<string, string>, name: string, script: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set in ${stateDir}. Run: bash scripts/ci/${script}`);
  return value;
}

/** Temporary `images/<name>/` folders for fixtures, removed by `cleanup`. */
export class FixtureFolders {
  private readonly roots: string[] = [];

  /** Writes `files` (path → content; a `{ symlink }` value makes a link) into a new image folder. */
  async create(name: string, files: Record<string, string | { symlink: string }>): Promise<string> {
    const root = await mkdtemp(path.join(tmpdir(), 'dockyard-docker-test-'));
    this.roots.push(root);
    const folder = path.join(root, 'images', name);
    await mkdir(folder, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(folder, file);
      await mkdir(path.dirname(target), { recursive: true });
      if (typeof content === 'string') await writeFile(target, content);
      else await symlink(content.symlink, target);
    }
    return folder;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.roots.map((root) => rm(root, { recursive: true, force: true })));
  }
}

/** Images a test file made, removed by ID (tags go with them) after the file. */
export class CreatedImages {
  private readonly ids = new Set<string>();
  private readonly tags = new Set<string>();

  /** Records a build's image for removal and returns the result unchanged. */
  track(result: BuildResult): BuildResult {
    if (result.status === 'built') this.ids.add(result.imageId);
    return result;
  }

  tag(name: string): void {
    this.tags.add(name);
  }

  async removeAll(docker: Dockerode): Promise<void> {
    for (const name of [...this.tags, ...[...this.ids].reverse()]) {
      await docker.getImage(name).remove({ force: true }).catch(() => undefined);
    }
  }
}

/** A build request with the fields most tests leave empty; every test says which images it approves. */
export function request(contextDir: string, fields: Partial<BuildRequest> & Pick<BuildRequest, 'expectedImages'>): BuildRequest {
  return { image: path.basename(contextDir), contextDir, tags: [], buildArgs: {}, labels: {}, mirrors: [], credentials: [], ...fields };
}

/** A file of an image's filesystem, read from a created (never started) container; undefined if absent. */
export async function readImageFile(
  docker: Dockerode,
  image: string,
  file: string,
): Promise<{ type: string; content: string; linkname?: string } | undefined> {
  const container = await docker.createContainer({ Image: image, Cmd: ['/bin/true'] });
  try {
    const archive = await container.getArchive({ path: file }).catch((error: { statusCode?: number }) => {
      if (error.statusCode === 404) return undefined;
      throw error;
    });
    if (!archive) return undefined;
    const tar = extract();
    archive.pipe(tar);
    for await (const entry of tar) {
      let content = '';
      for await (const chunk of entry) content += String(chunk);
      const found: { type: string; content: string; linkname?: string } = { type: entry.header.type, content };
      if (entry.header.linkname) found.linkname = entry.header.linkname;
      return found;
    }
    return undefined;
  } finally {
    await container.remove({ force: true });
  }
}

/** Pushes a local image to the CI registry with its credentials. */
export async function pushToRegistry(env: DockerTestEnv, reference: string): Promise<void> {
  const { host, user, password } = env.registry;
  const stream = await env.docker.getImage(reference).push({ authconfig: { username: user, password, serveraddress: host } });
  const events = await new Promise<{ error?: string }[]>((resolve, reject) => {
    env.docker.modem.followProgress(stream, (error, output: { error?: string }[]) => (error ? reject(error) : resolve(output)));
  });
  const failure = events.find((event) => event.error !== undefined);
  if (failure) throw new Error(`pushing ${reference} failed: ${failure.error}`);
}

/** Removes a local tag only, so the next build must pull the image from the registry. */
export async function untag(docker: Dockerode, reference: string): Promise<void> {
  await docker.getImage(reference).remove({ noprune: true }).catch((error: { statusCode?: number }) => {
    if (error.statusCode !== 404) throw error;
  });
}

/**
 * Builds a small image that writes `marker` to /parent.txt, pushes it to the authenticated CI
 * registry as `<host>/dockyard-test/docker-adapter:<tag>` and drops the local tag, so that building
 * FROM it has to pull it with credentials. Returns the reference.
 */
export async function pushAuthParent(
  env: DockerTestEnv,
  folders: FixtureFolders,
  images: CreatedImages,
  tag: string,
  marker: string,
): Promise<string> {
  const reference = `${env.registry.host}/dockyard-test/docker-adapter:${tag}`;
  const dir = await folders.create('auth-parent', { Dockerfile: `FROM ${env.rootImage}\nRUN echo ${marker} > /parent.txt\n` });
  const built = images.track(await buildImage(env.docker, request(dir, { tags: [reference], expectedImages: [env.rootImage] })));
  if (built.status !== 'built') throw new Error(`building the registry parent failed: ${JSON.stringify(built)}`);
  await pushToRegistry(env, reference);
  await untag(env.docker, reference);
  return reference;
}
