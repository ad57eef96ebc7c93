import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServeCredential, StateStore } from '../adapters/state/state-store.ts';
import { registerServeCredential } from '../logging/secrets.ts';

// `<path>/<owner>/<repo>/<capability>/<cloud>.yaml` and `<path>/<owner>/<repo>/<cloud>.yaml`; the serve path
// is matched against the stored document, so it may itself have any number of parts.
const capabilityPath = /^(?<base>(?:\/[A-Za-z0-9._-]+)+)\/(?<owner>[A-Za-z0-9-]+)\/(?<repo>[A-Za-z0-9._-]+)\/(?<secret>[A-Za-z0-9_-]{43})\/(?<cloud>[A-Za-z0-9._-]+)\.yaml$/;
const bearerPath = /^(?<base>(?:\/[A-Za-z0-9._-]+)+)\/(?<owner>[A-Za-z0-9-]+)\/(?<repo>[A-Za-z0-9._-]+)\/(?<cloud>[A-Za-z0-9._-]+)\.yaml$/;

/** What stands in for a repository's capability wherever the request's URL is logged. */
export const hiddenCapability = '[capability]';

/**
 * Serves each repository's generated JCasC documents to Jenkins, each repository with its own credential
 * from the state store. `capability` documents answer only at the URL holding the repository's random path
 * segment, which released JCasC can fetch as it is listed in CASC_JENKINS_CONFIG; `bearer` documents want
 * `Authorization: Bearer <the repository's token>`, which needs a configuration-as-code plugin that sends
 * one. Secrets are compared in constant time; a wrong capability looks like any unknown path (left to the
 * next handler), and the request's URL is rewritten before the answer so the access log's message never
 * holds it; the logger (log-redaction.ts) hides it, and the credential headers, from the logged request.
 */
export function serveCasc(store: StateStore) {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (request.method !== 'GET' || !request.url) return false;
    const urlPath = new URL(request.url, 'http://app').pathname;
    const byCapability = capabilityPath.exec(urlPath)?.groups;
    if (byCapability) {
      const { base = '', owner = '', repo = '', secret = '', cloud = '' } = byCapability;
      const document = store.servedDocument(base, `${owner}/${repo}`, cloud);
      if (document?.auth === 'capability' && sameSecret(secret, credentialOf(store, document.repo).capability)) {
        request.url = `${base}/${owner}/${repo}/${hiddenCapability}/${cloud}.yaml`;
        sendDocument(response, document.yaml);
        return true;
      }
    }
    const byBearer = bearerPath.exec(urlPath)?.groups;
    if (!byBearer) return false;
    const { base = '', owner = '', repo = '', cloud = '' } = byBearer;
    const document = store.servedDocument(base, `${owner}/${repo}`, cloud);
    if (document?.auth !== 'bearer') return false;
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (!sameSecret(given, credentialOf(store, document.repo).token)) {
      response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('A valid bearer token for this repository is required.\n');
      return true;
    }
    sendDocument(response, document.yaml);
    return true;
  };
}

/** The repository's credential, registered for redaction as soon as it is read: it may reach a log line from here on. */
function credentialOf(store: StateStore, repo: string): ServeCredential {
  const credential = store.serveCredential(repo);
  registerServeCredential(credential);
  return credential;
}

function sendDocument(response: ServerResponse, yaml: string): void {
  response.writeHead(200, { 'content-type': 'application/yaml; charset=utf-8', 'cache-control': 'no-store' }).end(yaml);
}

/** Constant-time equality, also across lengths: both sides are hashed to the same size first. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length;
}
