import { createHash } from 'node:crypto';
import { z } from 'zod';
import { RegistryError } from './registry-errors.ts';
import { registryGet, registryUrl, type RegistryRequestOptions } from './registry-request.ts';
import { imageConfigSchema, imageIndexSchema, imageManifestSchema, isIndex, mediaTypes, type ImageConfig } from './manifest-schema.ts';
import type { RegistryAuth, TagState } from './types.ts';

const manifestAccept = [mediaTypes.dockerManifest, mediaTypes.ociManifest, mediaTypes.dockerManifestList, mediaTypes.ociIndex].join(', ');

const sha256 = (body: Buffer): string => `sha256:${createHash('sha256').update(body).digest('hex')}`;

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError(`The registry, asked to ${what}, answered a body that is not JSON.`);
  }
}

function invalid(what: string, error: z.ZodError): RegistryError {
  return new RegistryError(`The registry, asked to ${what}, answered an unexpected document: ${z.prettifyError(error).replace(/\n/g, ' ')}`);
}

/**
 * What `repository:tag` points at, or null if the tag (or the repository) does not exist. The digest is the
 * registry's `Docker-Content-Digest`, checked against the sha256 of the manifest's bytes (used alone when the
 * header is missing). With `includeLabels`, the image config is read too and its labels reported.
 */
export async function readTag(
  endpoint: string,
  auth: RegistryAuth,
  repository: string,
  tag: string,
  options: RegistryRequestOptions & { includeLabels?: boolean } = {},
): Promise<TagState | null> {
  const what = `read the manifest of ${repository}:${tag}`;
  const answer = await registryGet(registryUrl(endpoint, repository, 'manifests', tag), auth, manifestAccept, what, options);
  if (answer.status === 404) return null;
  const computed = sha256(answer.body);
  const header = answer.headers.get('docker-content-digest');
  if (header !== null && header.startsWith('sha256:') && header !== computed) {
    throw new RegistryError(`The registry's digest ${header} for ${repository}:${tag} does not match its manifest (${computed}).`);
  }
  const manifestDigest = header ?? computed;
  const document = parseJson(answer.body, what) as { mediaType?: unknown; manifests?: unknown };
  const contentType = answer.headers.get('content-type');
  if (isIndex(contentType, document)) {
    const index = imageIndexSchema.safeParse(document);
    if (!index.success) throw invalid(what, index.error);
    return {
      kind: 'index',
      manifestDigest,
      mediaType: index.data.mediaType ?? contentType ?? mediaTypes.ociIndex,
      manifests: index.data.manifests.map((entry) => ({
        digest: entry.digest,
        mediaType: entry.mediaType,
        ...(entry.platform === undefined
          ? {}
          : { platform: [entry.platform.os, entry.platform.architecture, entry.platform.variant].filter(Boolean).join('/') }),
      })),
    };
  }
  const manifest = imageManifestSchema.safeParse(document);
  if (!manifest.success) throw invalid(what, manifest.error);
  const configDigest = manifest.data.config.digest;
  const state: TagState = {
    kind: 'image',
    manifestDigest,
    mediaType: manifest.data.mediaType ?? contentType ?? mediaTypes.ociManifest,
    configDigest,
  };
  if (options.includeLabels !== true) return state;
  const config = await readImageConfig(endpoint, auth, repository, configDigest, options);
  return { ...state, labels: config.config?.Labels ?? {} };
}

/** The image config blob `configDigest` of `repository` (labels under `config.Labels`), checked against its digest. */
export async function readImageConfig(
  endpoint: string,
  auth: RegistryAuth,
  repository: string,
  configDigest: string,
  options: RegistryRequestOptions = {},
): Promise<ImageConfig> {
  const what = `read the image config ${configDigest} of ${repository}`;
  const answer = await registryGet(registryUrl(endpoint, repository, 'blobs', configDigest), auth, 'application/json, */*', what, options);
  if (answer.status === 404) throw new RegistryError(`The registry has no blob ${configDigest} in ${repository}, which a manifest there names.`, 404);
  if (sha256(answer.body) !== configDigest) throw new RegistryError(`The registry, asked to ${what}, answered a blob of another digest.`);
  const config = imageConfigSchema.safeParse(parseJson(answer.body, what));
  if (!config.success) throw invalid(what, config.error);
  return config.data;
}
