import { createHash } from 'node:crypto';
import { UserError } from '../../errors.ts';
import { redact } from '../../logging/secrets.ts';
import { mediaTypes } from './manifest-schema.ts';
import { RegistryAuthError, RegistryError } from './registry-errors.ts';
import { registryGet, registryUrl, type RegistryRequestOptions } from './registry-request.ts';
import type { RegistryAuth } from './types.ts';

const manifestAccept = Object.values(mediaTypes).join(', ');

/**
 * Points `tag` of `repository` at the manifest `digest` that repository already holds, byte for byte: the
 * manifest is read by digest and put back under the tag (the Registry API's manifest PUT, which ECR takes
 * for a mutable tag such as `latest`). No image is pulled or pushed, and the tag then resolves to exactly
 * `digest`, which a push from a Docker engine would not promise.
 */
export async function tagManifest(
  endpoint: string,
  auth: RegistryAuth,
  repository: string,
  digest: string,
  tag: string,
  options: RegistryRequestOptions = {},
): Promise<{ digest: string }> {
  const read = await registryGet(registryUrl(endpoint, repository, 'manifests', digest), auth, manifestAccept, `read the manifest ${digest} of ${repository}`, options);
  if (read.status === 404) throw new UserError(`The registry has no manifest ${digest} in ${repository} any more (deleted, or expired by a lifecycle policy), so ${tag} cannot point at it.`);
  const computed = `sha256:${createHash('sha256').update(read.body).digest('hex')}`;
  if (computed !== digest) throw new RegistryError(`The registry answered the manifest ${digest} of ${repository} with a document of another digest (${computed}).`);
  const contentType = read.headers.get('content-type') ?? declaredMediaType(read.body) ?? mediaTypes.ociManifest;
  const url = registryUrl(endpoint, repository, 'manifests', tag);
  const what = `point ${repository}:${tag} at ${digest}`;
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let response: Response;
  try {
    response = await send(url, {
      method: 'PUT',
      headers: { 'Content-Type': contentType, Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` },
      body: new Uint8Array(read.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : error instanceof Error ? error.message : String(error);
    throw new RegistryError(redact(`Could not reach the registry at ${url.origin} to ${what}: ${reason}`), undefined, { cause: error });
  }
  const { status } = response;
  if (status === 401 || status === 403) {
    throw new RegistryAuthError(redact(`The registry at ${url.origin} refused user ${auth.username} to ${what} (HTTP ${status}). For ECR, the app role needs push permissions on the repository.`), status);
  }
  if (status >= 500 || status === 429) throw new RegistryError(redact(`The registry at ${url.origin} failed to ${what} (HTTP ${status}); try again later.`), status);
  if (status !== 200 && status !== 201) throw new UserError(redact(`The registry at ${url.origin} refused to ${what} (HTTP ${status}).`));
  const reported = response.headers.get('docker-content-digest');
  if (reported !== null && reported !== digest) throw new RegistryError(`The registry stored ${repository}:${tag} as ${reported}, not ${digest}.`);
  return { digest };
}

function declaredMediaType(body: Buffer): string | undefined {
  try {
    const mediaType = (JSON.parse(body.toString('utf8')) as { mediaType?: unknown }).mediaType;
    return typeof mediaType === 'string' ? mediaType : undefined;
  } catch {
    return undefined;
  }
}
