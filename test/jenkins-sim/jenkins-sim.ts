import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { cloudsOf, mergeDocuments, type SimCloud } from './casc-state.ts';
import { buildOf, cascVersions, checkJsonSince, errorPageSince, sourceInMessageSince, tokenReloadJsonSince } from './casc-versions.ts';
import type { AttributeSpec } from './plugin-attributes.ts';
import { readSources, type SimSources } from './read-sources.ts';
import { crumbHeader, SimAuth, sessionCookieName, type Identity } from './sim-auth.ts';
import { sendErrorJelly, sendJson, sendOops, sendPage } from './sim-pages.ts';
import { validateCasc } from './validate-casc.ts';

// A stand-in for a JCasC-managed Jenkins controller: the endpoints Dockyard uses, with the status codes,
// headers and bodies the released code produces, per configuration-as-code-plugin version (casc-versions.ts).
// Sources (jenkinsci/configuration-as-code-plugin at 58646eb6 and the commits named in casc-versions.ts):
// plugin/src/main/java/io/jenkins/plugins/casc/ConfigurationAsCode.java (doCheck, doReload, doExport,
// handleExceptionOnReloading), TokenReloadAction.java, TokenReloadCrumbExclusion.java,
// fetcher/DefaultHttpFetcher.java, yaml/YamlUtils.java, ConfiguratorException.java; jenkins core
// hudson/security/csrf/CrumbFilter.java, jenkins/security/ApiCrumbExclusion.java,
// jenkins/security/BasicHeaderProcessor.java, hudson/security/HudsonAuthenticationEntryPoint.java.

/** How to start the simulated controller. */
export interface SimOptions {
  /** configuration-as-code-plugin release whose answers to give (casc-versions.ts); the newest by default. */
  cascVersion?: string;
  /** CASC_RELOAD_TOKEN of the controller; unset means token reload is off (404). */
  reloadToken?: string;
  /** Users and their API tokens; every user is an administrator. */
  users?: Record<string, string>;
  /** CASC_JENKINS_CONFIG: what a reload reads. */
  sources?: SimSources;
  /** Clouds made in the UI or by a script before Dockyard came: Jenkins has them, no source declares them. */
  handMadeClouds?: Array<{ kind: string; name: string; attributes?: Record<string, unknown> }>;
  /** The cloud kinds and their attributes the installed plugins accept (plugin-attributes.ts by default). */
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
  /** Jenkins.clouds: hand-made ones until the first successful apply, then what the sources declare. */
  clouds: SimCloud[];
  /** Successful applies so far. */
  applied: number;
  /** `${…}` lookups JCasC resolved while applying (none is expected from Dockyard's documents). */
  lookups: string[];
  requests: SimRequest[];
}

/** A running simulated controller. */
export interface JenkinsSim {
  /** Root URL, with the trailing slash Jenkins' own root URL has. */
  url: string;
  /** The configuration-as-code-plugin release modelled. */
  cascVersion: string;
  state: SimState;
  stop(): Promise<void>;
  /** `refuse`: stop listening, so connections are refused; `unavailable`: answer 503 like a starting Jenkins. */
  down(mode?: 'refuse' | 'unavailable'): Promise<void>;
  up(): Promise<void>;
}

/** A failed configure(): a ConfiguratorException, or (syntax) snakeyaml's YAMLException, which no handler catches. */
class ApplyError extends Error {
  readonly syntax: boolean;
  readonly source: string | undefined;
  readonly line: number | undefined;

  constructor(message: string, syntax: boolean, source?: string, line?: number) {
    super(message);
    this.syntax = syntax;
    this.source = source;
    this.line = line;
  }
}

const tokenParameter = 'casc-reload-token';

/** Starts a simulated Jenkins on 127.0.0.1 at a random port. */
export async function start(options: SimOptions = {}): Promise<JenkinsSim> {
  const cascVersion = options.cascVersion ?? cascVersions.v2117;
  const build = buildOf(cascVersion);
  const auth = new SimAuth(options.users ?? {});
  const handMade = (options.handMadeClouds ?? []).map(({ kind, name, attributes }) => ({ kind, name, attributes: { name, ...attributes }, templates: [] }));
  const state: SimState = { clouds: handMade, applied: 0, requests: [], lookups: [] };
  let unavailable = false;
  let base = '';

  /** ConfiguratorException.getMessage: since 2036 it names the source and line. */
  const withSource = (error: ApplyError): string =>
    build >= sourceInMessageSince && error.source !== undefined && error.line !== undefined ? `${error.message}\n  at ${error.source}:${error.line}` : error.message;

  function validate(text: string, source: string) {
    const result = validateCasc(text, options.cloudAttributes);
    if (result.ok) return result;
    const first = result.issues[0] ?? { line: 1, message: 'invalid configuration' };
    // snakeyaml's own message names the position ("in 'reader', line 5, column 8").
    if (result.syntax) throw new ApplyError(`${first.message}\n in 'reader', line ${first.line}`, true);
    throw new ApplyError(first.message, false, source, first.line);
  }

  // ConfigurationAsCode.configure(): fetch every source (a failure is a ConfiguratorException), merge,
  // check, then set Jenkins.clouds from the merged sources alone (replace-all: hand-made clouds go).
  async function apply(): Promise<void> {
    let texts;
    try {
      texts = await readSources(options.sources ?? {});
    } catch (error) {
      throw new ApplyError(messageOf(error), false);
    }
    const documents = [];
    const lookups: string[] = [];
    for (const { source, text } of texts) {
      const result = validate(text, source);
      documents.push(result.value);
      lookups.push(...result.lookups);
    }
    let merged;
    try {
      merged = mergeDocuments(documents);
    } catch (error) {
      throw new ApplyError(messageOf(error), false);
    }
    state.clouds = cloudsOf(merged);
    state.lookups.push(...lookups);
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
    if (`${request.method} ${url.pathname}` === 'GET /crumbIssuer/api/json') return crumb(request, response, identity);
    if (url.pathname === '/reload-configuration-as-code/') {
      // TokenReloadCrumbExclusion lets this POST through without a crumb; @RequirePOST refuses the rest.
      if (request.method !== 'POST') return sendPage(response, 405, 'This URL requires POST');
      return tokenReload(request, response, url, body);
    }
    const actions: Record<string, (response: ServerResponse, body: string) => void | Promise<void>> = {
      '/configuration-as-code/check': check,
      '/configuration-as-code/reload': reload,
      '/configuration-as-code/export': exportConfiguration,
    };
    const action = actions[url.pathname];
    if (action === undefined) return sendPage(response, 404, 'Not Found');
    if (request.method !== 'POST') return sendPage(response, 405, 'This URL requires POST');
    if (!auth.passesCrumbFilter(request, identity)) return sendPage(response, 403, 'No valid crumb was included in the request');
    if (identity.kind !== 'api-token' && identity.kind !== 'session') return authenticationRequired(response);
    return action(response, body);
  }

  function crumb(request: IncomingMessage, response: ServerResponse, identity: Identity): void {
    if (identity.kind !== 'api-token' && identity.kind !== 'session') return authenticationRequired(response);
    const { sessionId, crumb: value } = auth.issueCrumb(request, identity.user);
    response.setHeader('Set-Cookie', `${sessionCookieName}=${sessionId}; Path=/; HttpOnly`);
    sendJson(response, 200, { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb: value, crumbRequestField: crumbHeader });
  }

  // TokenReloadAction.doIndex: 404 when no token is set, 401 for a wrong one, else configure(). A failure
  // escaped as an exception (500) until 2099; since then HttpResponses.errorJSON, which sets no status (200).
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
      if (!(error instanceof ApplyError) || error.syntax || build < tokenReloadJsonSince) return sendOops(response);
      sendJson(response, 200, { status: 'error', message: `Failed to reload configuration: ${withSource(error)}` });
    }
  }

  // ConfigurationAsCode.doCheck (Administer): before 1947 200 `[{line, warning}]`, and an invalid document
  // escaped as an exception (500); since 1947 200 `[{line, message}]` for warnings and 400 with one entry,
  // `[{line: -1, message}]`, for the first problem (YAML syntax errors included).
  function check(response: ServerResponse, body: string): void {
    try {
      const result = validate(body, '/configuration-as-code/check');
      const key = build >= checkJsonSince ? 'message' : 'warning';
      sendJson(response, 200, result.warnings.map((warning) => ({ line: warning.line, [key]: warning.message })));
    } catch (error) {
      if (!(error instanceof ApplyError) || build < checkJsonSince) return sendOops(response);
      sendJson(response, 400, [{ line: -1, message: withSource(error) }]);
    }
  }

  // ConfigurationAsCode.doReload (Overall/Manage): configure(), then sendRedirect("") to the JCasC page. A
  // ConfiguratorException renders error.jelly with status 200 (since 1738; an exception, 500, before); a
  // YAML syntax error is no ConfiguratorException and escapes as a 500.
  async function reload(response: ServerResponse): Promise<void> {
    try {
      await apply();
      response.writeHead(302, { Location: `${base}configuration-as-code/` }).end();
    } catch (error) {
      if (!(error instanceof ApplyError) || error.syntax || build < errorPageSince) return sendOops(response);
      const unknown = /^Invalid configuration elements for type: class (\S+) : ([^.]*)\.\nAvailable attributes : (.*)$/s.exec(error.message);
      if (unknown) {
        sendErrorJelly(response, { message: 'Invalid configuration elements for type: ', target: unknown[1] ?? '', invalid: unknown[2] ?? '', valid: (unknown[3] ?? '').split(', ') });
      } else {
        sendErrorJelly(response, { message: error.message });
      }
    }
  }

  // ConfigurationAsCode.doExport: @RequirePOST, Overall/SystemRead; the live configuration as YAML, every
  // `${` written as `^${` (SecretSourceResolver.encode). Only jenkins.clouds is modelled.
  function exportConfiguration(response: ServerResponse): void {
    const clouds = state.clouds.map((cloud) => ({ [cloud.kind]: { ...cloud.attributes, ...(cloud.templates.length > 0 ? { templates: cloud.templates } : {}) } }));
    const yaml = stringify({ jenkins: { clouds } }).replaceAll('${', '^${');
    response.writeHead(200, { 'Content-Type': 'application/x-yaml; charset=utf-8', 'Content-Disposition': 'attachment; filename=jenkins.yaml' }).end(yaml);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => sendOops(response));
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
    cascVersion,
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

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
