import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cloudsOf, mergeDocuments, type SimCloud } from './casc-state.ts';
import { readSources, type SimSources } from './read-sources.ts';
import { crumbHeader, SimAuth, sessionCookieName, type Identity } from './sim-auth.ts';
import { validateCasc } from './validate-casc.ts';
import type { AttributeSpec } from './plugin-attributes.ts';

// A stand-in for a JCasC-managed Jenkins controller: the endpoints Dockyard uses, with the status codes,
// headers and bodies the real code produces. Sources, read 2026-11 (see /work/shared/JENKINS.md):
// - configuration-as-code-plugin plugin/src/main/java/io/jenkins/plugins/casc/ConfigurationAsCode.java
//   (doCheck, doReload), TokenReloadAction.java, TokenReloadCrumbExclusion.java, fetcher/DefaultHttpFetcher.java;
// - jenkins core hudson/security/csrf/CrumbFilter.java, jenkins/security/ApiCrumbExclusion.java,
//   jenkins/security/BasicHeaderProcessor.java, hudson/security/HudsonAuthenticationEntryPoint.java.

/** How to start the simulated controller. */
export interface SimOptions {
  /** CASC_RELOAD_TOKEN of the controller; unset means token reload is off (404). */
  reloadToken?: string;
  /** Users and their API tokens; every user is an administrator. */
  users?: Record<string, string>;
  /** CASC_JENKINS_CONFIG: what a reload reads. */
  sources?: SimSources;
  /**
   * Status of a failed token reload. TokenReloadAction.java at configuration-as-code-plugin 084d8655
   * (PR #2864, "Return configuration reload errors as JSON") answers 500 with
   * `{"status":"error","message":…}`; 200 models the variant /work/shared/JENKINS.md describes.
   */
  reloadErrorStatus?: 200 | 500;
  /**
   * The cloud kinds and their attributes the installed plugins accept (plugin-attributes.ts by
   * default); a test passes a reduced set to model a controller with an older plugin version.
   */
  cloudAttributes?: Record<string, AttributeSpec>;
}

/** One request the simulator received, for asserting what a client sent. */
export interface SimRequest {
  method: string;
  /** Path and query string. */
  url: string;
  contentType: string | undefined;
  authorization: 'basic' | 'none';
}

/** What the simulated Jenkins currently holds. */
export interface SimState {
  /** Clouds from the last successful apply (`jenkins.clouds` is replace-all). */
  clouds: SimCloud[];
  /** Successful applies so far. */
  applied: number;
  requests: SimRequest[];
}

/** A running simulated controller. */
export interface JenkinsSim {
  /** Root URL, with the trailing slash Jenkins' own root URL has. */
  url: string;
  state: SimState;
  stop(): Promise<void>;
  /** `refuse`: stop listening, so connections are refused; `unavailable`: answer 503 like a starting Jenkins. */
  down(mode?: 'refuse' | 'unavailable'): Promise<void>;
  up(): Promise<void>;
}

const tokenParameter = 'casc-reload-token';

/** Starts a simulated Jenkins on 127.0.0.1 at a random port. */
export async function start(options: SimOptions = {}): Promise<JenkinsSim> {
  const auth = new SimAuth(options.users ?? {});
  const state: SimState = { clouds: [], applied: 0, requests: [] };
  let unavailable = false;
  let base = '';

  async function apply(): Promise<void> {
    const documents = [];
    for (const { text } of await readSources(options.sources ?? {})) {
      const result = validateCasc(text, options.cloudAttributes);
      // JCasC stops at the first problem and reports it as the ConfiguratorException message.
      if (!result.ok) throw new Error(result.issues[0]?.message ?? 'invalid configuration');
      documents.push(result.value);
    }
    state.clouds = cloudsOf(mergeDocuments(documents));
    state.applied += 1;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', base);
    state.requests.push({
      method: request.method ?? '',
      url: url.pathname + url.search,
      contentType: request.headers['content-type'],
      authorization: request.headers.authorization === undefined ? 'none' : 'basic',
    });
    // hudson/util/HudsonIsLoading: every page answers 503 while Jenkins starts.
    if (unavailable) return sendPage(response, 503, 'Please wait while Jenkins is getting ready to work');
    const identity = auth.identify(request);
    if (identity.kind === 'bad-credentials') {
      response.setHeader('WWW-Authenticate', 'Basic realm="Jenkins"');
      return sendPage(response, 401, 'Invalid password/token for user');
    }
    const route = `${request.method} ${url.pathname}`;
    if (route === 'GET /crumbIssuer/api/json') return crumb(request, response, identity);
    if (url.pathname === '/reload-configuration-as-code/') {
      // TokenReloadCrumbExclusion lets this POST through without a crumb; @RequirePOST refuses the rest.
      if (request.method !== 'POST') return sendPage(response, 405, 'This URL requires POST');
      return tokenReload(request, response, url, body);
    }
    if (url.pathname === '/configuration-as-code/check' || url.pathname === '/configuration-as-code/reload') {
      if (request.method !== 'POST') return sendPage(response, 405, 'This URL requires POST');
      if (!auth.passesCrumbFilter(request, identity)) {
        return sendPage(response, 403, 'No valid crumb was included in the request');
      }
      if (identity.kind !== 'api-token' && identity.kind !== 'session') return authenticationRequired(response);
      return url.pathname.endsWith('/check') ? check(response, body) : reload(response);
    }
    return sendPage(response, 404, 'Not Found');
  }

  function crumb(request: IncomingMessage, response: ServerResponse, identity: Identity): void {
    if (identity.kind !== 'api-token' && identity.kind !== 'session') return authenticationRequired(response);
    const { sessionId, crumb: value } = auth.issueCrumb(request, identity.user);
    response.setHeader('Set-Cookie', `${sessionCookieName}=${sessionId}; Path=/; HttpOnly`);
    sendJson(response, 200, { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb: value, crumbRequestField: crumbHeader });
  }

  // TokenReloadAction.doIndex: 404 when no token is set, 401 for a wrong one, else configure().
  async function tokenReload(request: IncomingMessage, response: ServerResponse, url: URL, body: string): Promise<void> {
    if (!options.reloadToken) return sendPage(response, 404, 'Not Found');
    // request.getParameter reads the query string first, then an urlencoded form body.
    const isForm = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const given = url.searchParams.get(tokenParameter) ?? (isForm ? new URLSearchParams(body).get(tokenParameter) : null);
    if (given !== options.reloadToken) return sendPage(response, 401, 'Unauthorized');
    try {
      await apply();
      response.writeHead(200).end();
    } catch (error) {
      sendJson(response, options.reloadErrorStatus ?? 500, {
        status: 'error',
        message: `Failed to reload configuration: ${messageOf(error)}`,
      });
    }
  }

  // ConfigurationAsCode.doCheck: 200 `[]`, or 400 with the problems found.
  function check(response: ServerResponse, body: string): void {
    const result = validateCasc(body, options.cloudAttributes);
    if (result.ok) return sendJson(response, 200, []);
    sendJson(response, 400, result.issues);
  }

  // ConfigurationAsCode.doReload: configure(), then sendRedirect("") to /configuration-as-code/. A failure
  // escapes as an exception, which Jenkins renders as its generic 500 error page (issue #2304).
  async function reload(response: ServerResponse): Promise<void> {
    try {
      await apply();
      response.writeHead(302, { Location: `${base}configuration-as-code/` }).end();
    } catch {
      sendPage(response, 500, 'A problem occurred while processing the request');
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => sendPage(response, 500, messageOf(error)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}/`;

  async function close(): Promise<void> {
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
  }

  return {
    url: base,
    state,
    stop: close,
    async down(mode = 'refuse') {
      if (mode === 'unavailable') unavailable = true;
      else await close();
    },
    async up() {
      unavailable = false;
      if (server.listening) return;
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
  };
}

// HudsonAuthenticationEntryPoint: anonymous requests for protected pages get 403, not 401.
function authenticationRequired(response: ServerResponse): void {
  response.setHeader('X-You-Are-Authenticated-As', 'anonymous');
  response.setHeader('X-Required-Permission', 'hudson.model.Hudson.Administer');
  sendPage(response, 403, 'Authentication required');
}

function sendPage(response: ServerResponse, status: number, message: string): void {
  const html = `<html><head><title>Error ${status} ${message}</title></head><body><h2>HTTP ERROR ${status} ${message}</h2></body></html>`;
  response.writeHead(status, { 'Content-Type': 'text/html;charset=utf-8' }).end(html);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8' }).end(JSON.stringify(value));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
