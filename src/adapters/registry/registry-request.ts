import { redact } from '../../logging/secrets.ts';
import { RegistryAuthError, RegistryError } from './registry-errors.ts';
import type { RegistryAuth } from './types.ts';

/** Transport options of every registry read. */
export interface RegistryRequestOptions {
  /** Replaces the global fetch, for tests. */
  fetch?: typeof fetch;
  /** Gives up on one request after this many milliseconds; default 30 000. */
  timeoutMs?: number;
}

/** A registry answer Dockyard reads on: 200 with its exact bytes, or 404. */
export interface RegistryAnswer {
  status: 200 | 404;
  headers: Headers;
  body: Buffer;
}

const repositoryName = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const reference = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[a-f0-9]{64})$/;

/** The API URL of `/v2/<repository>/<kind>/<reference>`; throws (a bug) on names that are not registry names. */
export function registryUrl(endpoint: string, repository: string, kind: 'manifests' | 'blobs', ref: string): URL {
  if (!repositoryName.test(repository)) throw new Error(`"${repository}" is not a registry repository name`);
  if (!reference.test(ref)) throw new Error(`"${ref}" is neither a tag nor a sha256 digest`);
  return new URL(`/v2/${repository}/${kind}/${ref}`, endpoint);
}

/** `(HTTP <status>: <code>: <message>; …)` from a Registry API error body, or just the status. */
function statusSummary(status: number, body: Buffer): string {
  let errors: string[] = [];
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
    errors = (parsed.errors ?? []).map((error) => `${String(error.code)}: ${String(error.message)}`);
  } catch {
    // Not a Registry API error body (a proxy's HTML page, say): the status says enough.
  }
  return errors.length > 0 ? `(HTTP ${status}: ${errors.join('; ')})` : `(HTTP ${status})`;
}

/**
 * GETs a Registry API URL with Basic auth. 401/403 become a RegistryAuthError, 5xx, 429, timeouts and
 * network failures a RegistryError; every message is redacted and never carries the credentials.
 */
export async function registryGet(
  url: URL,
  auth: RegistryAuth,
  accept: string,
  what: string,
  options: RegistryRequestOptions = {},
): Promise<RegistryAnswer> {
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const where = url.origin;
  let response: Response;
  let body: Buffer;
  try {
    // ECR answers blob reads with a redirect to S3; fetch drops Authorization on a cross-origin redirect.
    response = await send(url, {
      headers: { Accept: accept, Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeCause(error);
    throw new RegistryError(redact(`Could not reach the registry at ${where} to ${what}: ${reason}`), undefined, { cause: error });
  }
  const { status } = response;
  if (status === 200 || status === 404) return { status, headers: response.headers, body };
  const summary = statusSummary(status, body);
  if (status === 401 || status === 403) {
    throw new RegistryAuthError(
      redact(
        `The registry at ${where} refused user ${auth.username} to ${what} ${summary}. ` +
          'Check the registry credentials; for ECR, the app role needs ecr:GetAuthorizationToken and pull and push permissions on the repository.',
      ),
      status,
    );
  }
  if (status >= 500 || status === 429) {
    throw new RegistryError(redact(`The registry at ${where} failed to ${what} ${summary}; try again later.`), status);
  }
  throw new RegistryError(redact(`The registry at ${where} refused to ${what} ${summary}.`), status);
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
