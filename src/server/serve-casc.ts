import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StateStore } from '../adapters/state/state-store.ts';

/**
 * Serves generated JCasC documents to Jenkins, which lists the URL in CASC_JENKINS_CONFIG with
 * `?cascCredentialId=<credential>` so that it sends `Authorization: Bearer <token>`
 * (configuration-as-code-plugin DefaultHttpFetcher.java). Answers only paths it has a document for;
 * anything else is left to the next handler.
 */
export function serveCasc(store: StateStore, env: NodeJS.ProcessEnv = process.env) {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (request.method !== 'GET' || !request.url) return false;
    const urlPath = new URL(request.url, 'http://app').pathname;
    const document = store.cascDocumentAt(urlPath);
    if (!document) return false;
    const expected = env[document.tokenEnv];
    if (!expected) {
      response.writeHead(503, { 'content-type': 'text/plain' }).end(`The app has no ${document.tokenEnv}; set it to serve this document.\n`);
      return true;
    }
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (!sameSecret(given, expected)) {
      response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('A valid bearer token is required.\n');
      return true;
    }
    response.writeHead(200, { 'content-type': 'application/yaml; charset=utf-8', 'cache-control': 'no-store' }).end(document.yaml);
    return true;
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
