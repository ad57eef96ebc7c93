import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { createEcrClient } from '../adapters/ecr/create-ecr-client.ts';
import { getRegistryAuth } from '../adapters/ecr/registry-auth.ts';
import { readTag } from '../adapters/registry/read-manifest.ts';
import { RegistryAuthError } from '../adapters/registry/registry-errors.ts';
import type { RegistryAuth } from '../adapters/registry/types.ts';
import { configPath, type Config } from '../config/schema.ts';
import { buildCatalog } from '../domain/catalog/build-catalog.ts';
import { catalogRepository } from '../domain/catalog/catalog-reference.ts';
import type { PublishedImage } from '../domain/jenkins/published-image.ts';
import { renderCasc } from '../domain/jenkins/render-casc.ts';
import { UserError } from '../errors.ts';
import { registerSecret } from '../logging/secrets.ts';
import { loadLocalCheck } from './load-local-check.ts';

/** The manifest digest an image's moving tag `latest` holds in the registry now, or undefined if it has none. */
export type ReadPublished = (name: string) => Promise<string | undefined>;

export interface JenkinsRenderOptions {
  /** Render only the cloud of this name. */
  cloud?: string | undefined;
  /** The catalog repository, `owner/name`, that Kubernetes pod template ids are derived from, as the app derives them. */
  repo?: string | undefined;
}

export interface OutputStreams {
  out: Pick<NodeJS.WritableStream, 'write'>;
  err: Pick<NodeJS.WritableStream, 'write'>;
}

/** `owner/name` as GitHub allows them. */
const repoName = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\/[A-Za-z0-9._-]+$/;

/** The repository name used when none is known. */
const localRepo = 'local/catalog';

/**
 * The catalog repository's `owner/name` from the folder's `origin` remote (`git@host:owner/name.git`,
 * `https://host/owner/name`), which is how the app names it from GitHub's payloads; undefined without one.
 */
export async function originRepo(repoRoot: string): Promise<string | undefined> {
  const url = await promisify(execFile)('git', ['-C', repoRoot, 'remote', 'get-url', 'origin'], { timeout: 10_000 }).then(
    ({ stdout }) => stdout.trim(),
    () => '',
  );
  const match = /[:/]([^/:]+)\/([^/]+?)(?:\.git)?\/*$/.exec(url);
  const name = match ? `${match[1]}/${match[2]}` : undefined;
  return name !== undefined && repoName.test(name) ? name : undefined;
}

/** The tag that always holds an image's newest published build. */
const movingTag = 'latest';

/**
 * Prints the JCasC document of each configured cloud (or of `options.cloud`) as Dockyard would give it to
 * Jenkins: one template per catalog image whose `latest` tag exists, pinned by that tag's digest. Images not
 * published yet are left out and named on `err`.
 */
export async function jenkinsRender(
  repoRoot: string,
  options: JenkinsRenderOptions,
  { out, err }: OutputStreams,
  readPublished?: ReadPublished,
): Promise<void> {
  const { config, folders } = await loadLocalCheck(repoRoot, undefined);
  const { jenkins } = config;
  if (jenkins === undefined) {
    throw new UserError(
      `${configPath} has no jenkins: section, so there is nothing to render. Add one naming the Jenkins clouds the images go to (see "Jenkins" in the README).`,
    );
  }
  const clouds = options.cloud === undefined ? jenkins.clouds : jenkins.clouds.filter((cloud) => cloud.name === options.cloud);
  if (clouds.length === 0) {
    throw new UserError(
      `${configPath} has no cloud named "${options.cloud}"; its clouds are: ${jenkins.clouds.map((cloud) => cloud.name).join(', ')}.`,
    );
  }
  if (options.repo !== undefined && !repoName.test(options.repo)) {
    throw new UserError(`--repo takes the catalog repository as <owner>/<name>, as GitHub spells it (e.g. acme/jenkins-agents), not "${options.repo}".`);
  }
  const repo = options.repo ?? (await originRepo(repoRoot));
  if (repo === undefined && clouds.some((cloud) => cloud.kind === 'kubernetes')) {
    err.write(`note: pod template ids are derived from the catalog repository's name, and this folder has no origin remote to read it from; the ids below are for "${localRepo}". Pass --repo <owner>/<name> for the ids Dockyard gives.\n`);
  }
  const catalog = buildCatalog(folders, config);
  const read = readPublished ?? registryReader(config, process.env);
  const names = [...catalog.images.keys()].sort();
  const digests = await Promise.all(names.map((name) => read(name)));
  const images: PublishedImage[] = [];
  names.forEach((name, index) => {
    const digest = digests[index];
    const repository = catalogRepository(config, name);
    if (digest === undefined) {
      err.write(`${name}: not published yet (no ${repository}:${movingTag}); left out\n`);
      return;
    }
    const { metadata } = catalog.images.get(name)!;
    images.push({
      name,
      label: metadata.label ?? name,
      imageRef: `${repository}@${digest}`,
      ...(metadata.jenkins ? { overrides: metadata.jenkins } : {}),
    });
  });
  out.write(clouds.map((cloud) => `# ${cloud.name}.yaml\n${renderCasc(cloud, images, jenkins.defaults, repo ?? localRepo)}`).join('---\n'));
}

const unsetIfEmpty = z
  .string()
  .optional()
  .transform((value) => value || undefined);

/** The environment the CLI reads the registry with; the app gets its registry credentials from ECR alone. */
const registryEnvSchema = z.object({
  /** Registry API base URL; default `https://<registry>`, `http://` for 127.0.0.1 and localhost. */
  DOCKYARD_REGISTRY_URL: unsetIfEmpty.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /** Basic-auth user for a registry that is not ECR. */
  DOCKYARD_REGISTRY_USERNAME: unsetIfEmpty,
  /** Its password. */
  DOCKYARD_REGISTRY_PASSWORD: unsetIfEmpty,
});

const ecrHost = /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** Reads each image's `latest` from `config.registry`, with ECR credentials for an ECR host and the env's otherwise. */
function registryReader(config: Pick<Config, 'registry' | 'prefix'>, env: NodeJS.ProcessEnv): ReadPublished {
  const parsed = registryEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new UserError(`Invalid environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const settings = parsed.data;
  const host = config.registry.replace(/:\d+$/, '');
  // A name without a dot is one of the operator's registry names, whose address only the app's host knows.
  if (settings.DOCKYARD_REGISTRY_URL === undefined && !host.includes('.') && host !== 'localhost') {
    throw new UserError(
      `${configPath} names the registry "${config.registry}" as the Dockyard operator defined it; set DOCKYARD_REGISTRY_URL to that registry's address (e.g. https://123456789012.dkr.ecr.eu-west-1.amazonaws.com).`,
    );
  }
  const endpoint =
    settings.DOCKYARD_REGISTRY_URL ?? `${host === '127.0.0.1' || host === 'localhost' ? 'http' : 'https'}://${config.registry}`;
  let auth: Promise<RegistryAuth> | undefined;
  return async (name) => {
    auth ??= registryAuth(config.registry, ecrHost.exec(host)?.[1], settings);
    const credentials = await auth;
    const repository = `${config.prefix}/${name}`;
    try {
      return (await readTag(endpoint, credentials, repository, movingTag))?.manifestDigest;
    } catch (error) {
      if (!(error instanceof RegistryAuthError) || credentials.username !== '') throw error;
      throw new UserError(
        `The registry at ${endpoint} wants a login to read ${repository}:${movingTag}. Set DOCKYARD_REGISTRY_USERNAME and DOCKYARD_REGISTRY_PASSWORD.`,
      );
    }
  };
}

async function registryAuth(
  registry: string,
  ecrRegion: string | undefined,
  settings: z.infer<typeof registryEnvSchema>,
): Promise<RegistryAuth> {
  if (ecrRegion !== undefined) {
    try {
      return await getRegistryAuth(createEcrClient({ region: ecrRegion }));
    } catch (error) {
      // The SDK's "no credentials" is no ECR answer, so withRetry passes it on as it is.
      if ((error as { name?: unknown }).name !== 'CredentialsProviderError') throw error;
      throw new UserError(
        `No AWS credentials to read ${registry} with: ${(error as Error).message}. Set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an IAM role applies.`,
      );
    }
  }
  const { DOCKYARD_REGISTRY_USERNAME: username, DOCKYARD_REGISTRY_PASSWORD: password } = settings;
  if ((username === undefined) !== (password === undefined)) {
    throw new UserError('Set both DOCKYARD_REGISTRY_USERNAME and DOCKYARD_REGISTRY_PASSWORD, or neither for a registry that needs no login.');
  }
  if (password !== undefined) registerSecret(password);
  return { registry, username: username ?? '', password: password ?? '' };
}
