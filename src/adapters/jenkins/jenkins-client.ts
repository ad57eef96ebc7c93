import { redact, registerSecret } from '../../logging/secrets.ts';
import { JenkinsAuthError, JenkinsRejectedError, JenkinsUnavailableError, type JenkinsCredential } from './jenkins-errors.ts';
import { checkResponseSchema, parseJson, reloadErrorSchema } from './jenkins-responses.ts';

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

/** One problem Jenkins found in a configuration. */
export interface CheckIssue {
  line: number;
  message: string;
}

/** Whether Jenkins would apply a configuration. */
export type CheckResult = { ok: true } | { ok: false; errors: CheckIssue[] };

/** The only way Dockyard talks to Jenkins. */
export interface JenkinsClient {
  /** Asks Jenkins whether `yaml` would apply, without applying it (needs an API token). */
  check(yaml: string): Promise<CheckResult>;
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
  const rejected = (message: string, status: number): JenkinsRejectedError => new JenkinsRejectedError(redact(message), status);
  const unavailable = (message: string, status?: number): JenkinsUnavailableError =>
    new JenkinsUnavailableError(redact(message), status);
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

  // Jenkins' own verdict on a reload it tried, whatever the status (200 or 500 depending on the version).
  function reloadVerdict(answer: Answer): void {
    const failure = reloadErrorSchema.safeParse(parseJson(answer.text));
    if (failure.success) {
      throw rejected(`Jenkins could not apply the configuration: ${failure.data.message}`, answer.status);
    }
  }

  function unexpectedAnswer(answer: Answer, what: string): never {
    if (answer.status >= 500) {
      throw unavailable(`Jenkins at ${root} failed to ${what} (status ${answer.status})`, answer.status);
    }
    if (answer.status >= 300 && answer.status < 400) {
      throw rejected(
        `Jenkins at ${root} redirected the request to ${what} to ${answer.location ?? '(nowhere)'}: jenkins.url may point at a login page or proxy rather than Jenkins`,
        answer.status,
      );
    }
    throw rejected(`Jenkins at ${root} answered the request to ${what} with unexpected status ${answer.status}`, answer.status);
  }

  function apiTokenRefused(status: number, what: string): JenkinsAuthError {
    const user = auth.kind === 'api-token' ? auth.user : '';
    return authError(
      'api-token',
      status === 401
        ? `Jenkins refused the API token of user "${user}" (401): create a new API token for that user and put it in the app's environment variable named by jenkins.auth.apiTokenEnv`
        : `Jenkins user "${user}" may not ${what} (403): give it the Overall/Administer permission, or set jenkins.auth.user to a user that has it`,
      status,
    );
  }

  return {
    async check(yaml) {
      const what = 'check the generated configuration';
      if (auth.kind !== 'api-token') {
        throw authError(
          'api-token',
          'Checking a configuration needs a Jenkins user with Overall/Administer, which a reload token is not: set jenkins.auth.user and jenkins.auth.apiTokenEnv in .github/dockyard.yml',
        );
      }
      const answer = await post('configuration-as-code/check', what, { ...apiTokenHeaders, 'Content-Type': 'application/yaml' }, yaml);
      if (answer.status === 401 || answer.status === 403) throw apiTokenRefused(answer.status, what);
      if (answer.status === 404) {
        throw rejected(`Jenkins at ${root} has no /configuration-as-code/check: install the Configuration as Code plugin or fix jenkins.url`, 404);
      }
      if (answer.status !== 200 && answer.status !== 400) unexpectedAnswer(answer, what);
      const parsed = checkResponseSchema.safeParse(parseJson(answer.text));
      if (!parsed.success) {
        throw rejected(`Jenkins answered the check with status ${answer.status} but not with the list of problems it should send`, answer.status);
      }
      const errors = parsed.data.map((issue) => ({ line: issue.line, message: redact(issue.message ?? issue.error ?? issue.warning ?? '') }));
      if (errors.length > 0) return { ok: false, errors };
      if (answer.status === 400) throw rejected('Jenkins rejected the configuration (400) without saying why', 400);
      return { ok: true };
    },

    async reload() {
      const what = 'reload its configuration';
      if (auth.kind === 'api-token') {
        const answer = await post('configuration-as-code/reload', what, apiTokenHeaders, '');
        if (answer.status === 401 || answer.status === 403) throw apiTokenRefused(answer.status, what);
        reloadVerdict(answer);
        // ConfigurationAsCode.doReload answers a success with a redirect to the JCasC page.
        const toCascPage = answer.location !== null && new URL(answer.location, root).pathname.endsWith('/configuration-as-code/');
        if (answer.status === 200 || (answer.status === 302 && toCascPage)) return;
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
          `Jenkins refused the reload token (${answer.status}): set the app's environment variable named by jenkins.auth.reloadTokenEnv to the controller's CASC_RELOAD_TOKEN`,
          answer.status,
        );
      }
      if (answer.status === 404) {
        throw authError(
          'reload-token',
          `Jenkins at ${root} does not accept token reloads (404): set CASC_RELOAD_TOKEN (or -Dcasc.reload.token) on the controller, and check jenkins.url`,
          404,
        );
      }
      reloadVerdict(answer);
      if (answer.status === 200) return;
      unexpectedAnswer(answer, what);
    },
  };
}

function networkProblem(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code === 'ECONNREFUSED' ? 'connection refused (ECONNREFUSED)' : cause.code;
  return error instanceof Error ? error.message : String(error);
}
