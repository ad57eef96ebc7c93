import { redact, registerSecret } from '../../logging/secrets.ts';
import { JenkinsAuthError, JenkinsRejectedError, JenkinsUnavailableError, type JenkinsCredential } from './jenkins-errors.ts';
import {
  checkResponseSchema,
  exportedClouds,
  parseJson,
  problemOf,
  readErrorPage,
  reloadErrorSchema,
  type JenkinsProblem,
} from './jenkins-responses.ts';

/** How Dockyard proves itself to Jenkins; the secrets come from the app's environment. */
export type JenkinsAuth =
  | { kind: 'token-reload'; token: string }
  | { kind: 'api-token'; user: string; token: string };

/** Options of createJenkinsClient. */
export interface JenkinsClientOptions {
  /** Jenkins root URL, e.g. `https://jenkins.example.com/`. */
  url: string;
  auth: JenkinsAuth;
  /** Replaces the global fetch, for tests. */
  fetch?: typeof fetch;
  /** Gives up on one request after this many milliseconds; default 30 000. */
  timeoutMs?: number;
}

/** One problem or warning Jenkins found in a configuration; line -1 when Jenkins did not say. */
export interface CheckIssue {
  line: number;
  message: string;
}

/** Whether Jenkins would apply a configuration; warnings (e.g. obsolete attribute names) do not stop it. */
export type CheckResult = { ok: true; warnings: CheckIssue[] } | { ok: false; errors: CheckIssue[] };

/** A cloud as the controller holds it now. */
export interface JenkinsCloud {
  /** JCasC symbol: `ecs`, `kubernetes`, `docker`, … */
  kind: string;
  name: string;
}

/** The only way Dockyard talks to Jenkins. */
export interface JenkinsClient {
  /** Asks Jenkins whether `yaml` would apply, without applying it (needs an API token with Overall/Administer). */
  check(yaml: string): Promise<CheckResult>;
  /** The clouds Jenkins has now, from its JCasC export (needs an API token with Overall/SystemRead). */
  clouds(): Promise<JenkinsCloud[]>;
  /** Makes Jenkins re-read its configuration sources, Dockyard's documents among them, and apply them. */
  reload(): Promise<void>;
}

interface Answer {
  status: number;
  location: string | null;
  text: string;
}

/** Creates a client for one Jenkins; every failure is a JenkinsAuthError, JenkinsRejectedError or JenkinsUnavailableError. */
export function createJenkinsClient(options: JenkinsClientOptions): JenkinsClient {
  const { auth } = options;
  const root = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const basic = auth.kind === 'api-token' ? Buffer.from(`${auth.user}:${auth.token}`).toString('base64') : '';
  // API-token requests need no crumb (jenkins core ApiCrumbExclusion), so this header is all they carry.
  const apiTokenHeaders: Record<string, string> = auth.kind === 'api-token' ? { Authorization: `Basic ${basic}` } : {};
  // Every message is redacted: none may carry a credential, even one echoed back by Jenkins.
  registerSecret(auth.token);
  if (basic !== '') registerSecret(basic);
  const rejected = (problem: JenkinsProblem, status: number, prefix = 'Jenkins could not apply the configuration'): JenkinsRejectedError =>
    new JenkinsRejectedError(redact(`${prefix}: ${problem.message}`), status, problem.line);
  const unavailable = (message: string, status?: number): JenkinsUnavailableError => new JenkinsUnavailableError(redact(message), status);
  const authError = (credential: JenkinsCredential, message: string, status?: number): JenkinsAuthError =>
    new JenkinsAuthError(credential, redact(message), status);

  async function post(path: string, what: string, headers: Record<string, string>, body: string): Promise<Answer> {
    try {
      const response = await send(new URL(path, root), {
        method: 'POST',
        headers,
        body,
        // A redirect is an answer to judge (success, or a login page in front of Jenkins), never to follow.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, location: response.headers.get('location'), text: await response.text() };
    } catch (error) {
      throw unavailable(`Could not reach Jenkins at ${root} to ${what}: ${networkProblem(error, timeoutMs)}`);
    }
  }

  function unexpectedAnswer(answer: Answer, what: string): never {
    if (answer.status >= 500) throw unavailable(`Jenkins at ${root} failed to ${what} (status ${answer.status})`, answer.status);
    if (answer.status >= 300 && answer.status < 400) {
      throw rejected(
        { message: `redirected the request to ${answer.location ?? '(nowhere)'}: the controller's url may point at a login page or proxy rather than Jenkins` },
        answer.status,
        `Jenkins at ${root} did not ${what}`,
      );
    }
    if (answer.status === 404) {
      throw rejected({ message: 'no such page (404): install the Configuration as Code plugin, or fix the controller\'s url' }, 404, `Jenkins at ${root} cannot ${what}`);
    }
    throw rejected({ message: `unexpected status ${answer.status}` }, answer.status, `Jenkins at ${root} answered the request to ${what} with`);
  }

  function apiTokenRefused(status: number, permission: string, what: string): JenkinsAuthError {
    const user = auth.kind === 'api-token' ? auth.user : '';
    return authError(
      'api-token',
      status === 401
        ? `Jenkins refused the API token of user "${user}" (401): create a new API token for that user and put it in the app's environment variable the operator's settings name (auth.apiTokenEnv)`
        : `Jenkins user "${user}" may not ${what} (403): give it the ${permission} permission, or name a user that has it in the operator's settings (auth.user)`,
      status,
    );
  }

  function needsApiToken(what: string, permission: string): void {
    if (auth.kind !== 'api-token') {
      throw authError('api-token', `To ${what} Dockyard needs a Jenkins user with ${permission}, which a reload token is not: set auth.user and auth.apiTokenEnv for this controller in the operator's settings`);
    }
  }

  return {
    async check(yaml) {
      const what = 'check the generated configuration';
      needsApiToken(what, 'Overall/Administer');
      const answer = await post('configuration-as-code/check', what, { ...apiTokenHeaders, 'Content-Type': 'application/yaml' }, yaml);
      if (answer.status === 401 || answer.status === 403) throw apiTokenRefused(answer.status, 'Overall/Administer', what);
      // Before 1947.v7d33fe23569c an invalid document escaped doCheck as an exception: the 500 error page.
      if (answer.status === 500) return { ok: false, errors: [issue(readErrorPage(answer.text, 500))] };
      if (answer.status !== 200 && answer.status !== 400) unexpectedAnswer(answer, what);
      const parsed = checkResponseSchema.safeParse(parseJson(answer.text));
      if (!parsed.success) {
        throw rejected({ message: `status ${answer.status} without the list of problems it should send` }, answer.status, 'Jenkins answered the check');
      }
      const issues = parsed.data.map((entry) => issue(problemOf(redact(entry.message ?? entry.warning ?? entry.error ?? ''), entry.line)));
      if (answer.status === 200) return { ok: true, warnings: issues };
      return { ok: false, errors: issues.length > 0 ? issues : [{ line: -1, message: 'Jenkins rejected the configuration (400) without saying why' }] };
    },

    async clouds() {
      const what = 'list its clouds';
      needsApiToken(what, 'Overall/SystemRead');
      // ConfigurationAsCode.doExport: @RequirePOST, Overall/SystemRead, the whole live configuration as YAML.
      const answer = await post('configuration-as-code/export', what, apiTokenHeaders, '');
      if (answer.status === 401 || answer.status === 403) throw apiTokenRefused(answer.status, 'Overall/SystemRead', what);
      if (answer.status !== 200) unexpectedAnswer(answer, what);
      const clouds = exportedClouds(answer.text);
      if (clouds === undefined) throw rejected({ message: 'its configuration export is not the YAML JCasC writes' }, 200, `Jenkins at ${root} could not ${what}`);
      return clouds;
    },

    async reload() {
      const what = 'reload its configuration';
      if (auth.kind === 'api-token') {
        const answer = await post('configuration-as-code/reload', what, apiTokenHeaders, '');
        if (answer.status === 401 || answer.status === 403) throw apiTokenRefused(answer.status, 'Overall/Manage', what);
        // ConfigurationAsCode.doReload answers a success with sendRedirect("") to the JCasC page, and only so.
        const toCascPage = answer.location !== null && new URL(answer.location, root).pathname.endsWith('/configuration-as-code/');
        if (answer.status === 302 && toCascPage) return;
        // A configuration error renders error.jelly with status 200; a YAML syntax error is a 500.
        if (answer.status === 200 || answer.status === 500) throw rejected(readErrorPage(answer.text, answer.status), answer.status);
        unexpectedAnswer(answer, what);
      }
      // The token goes in an urlencoded body, which TokenReloadAction reads like the query parameter
      // (request.getParameter), so it never appears in a URL that a proxy or access log could record.
      const answer = await post(
        'reload-configuration-as-code/',
        what,
        { 'Content-Type': 'application/x-www-form-urlencoded' },
        `casc-reload-token=${encodeURIComponent(auth.token)}`,
      );
      if (answer.status === 401 || answer.status === 403) {
        throw authError(
          'reload-token',
          `Jenkins refused the reload token (${answer.status}): set the app's environment variable the operator's settings name (auth.reloadTokenEnv) to the controller's CASC_RELOAD_TOKEN`,
          answer.status,
        );
      }
      if (answer.status === 404) {
        throw authError(
          'reload-token',
          `Jenkins at ${root} does not accept token reloads (404): set CASC_RELOAD_TOKEN (or -Dcasc.reload.token) on the controller, and check its url`,
          404,
        );
      }
      const failure = reloadErrorSchema.safeParse(parseJson(answer.text));
      if (failure.success) throw rejected(problemOf(failure.data.message.replace(/^Failed to reload configuration: /, '')), answer.status);
      if (answer.status === 200) return;
      if (answer.status === 500) throw rejected(readErrorPage(answer.text, 500), 500);
      unexpectedAnswer(answer, what);
    },
  };
}

function issue(problem: JenkinsProblem): CheckIssue {
  return { line: problem.line ?? -1, message: problem.message };
}

function networkProblem(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code === 'ECONNREFUSED' ? 'connection refused (ECONNREFUSED)' : cause.code;
  return error instanceof Error ? error.message : String(error);
}
