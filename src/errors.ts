/** A problem in what a user gave Dockyard (config, Dockerfile, command line): they must fix it. */
export class UserError extends Error {
  override name = 'UserError';
}

/** One problem in a config file, located so it can be annotated. */
export interface ConfigIssue {
  /** Dotted path of the field, e.g. `parents.approved.0.pattern`; empty for the whole file. */
  field: string;
  line: number;
  message: string;
}

/** A config file that cannot be used, with every problem found in it. */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  readonly file: string;
  readonly issues: ConfigIssue[];

  constructor(file: string, issues: ConfigIssue[]) {
    super(
      `Invalid config in ${file}: ` +
        issues.map((issue) => `${issue.field || '(file)'} (line ${issue.line}): ${issue.message}`).join('; '),
    );
    this.file = file;
    this.issues = issues;
  }
}

/** An outside system (GitHub, Docker, ECR, Jenkins) failed in a way that may pass: retry later. */
export class OutsideError extends Error {
  override name = 'OutsideError';
  readonly system: string;

  constructor(system: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.system = system;
  }
}

/**
 * True for failures that may pass on their own: outside errors, HTTP 429/5xx, GitHub's rate-limit 403s
 * (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api), dropped connections.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof OutsideError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { status, code } = error as { status?: unknown; code?: unknown };
  if (typeof status === 'number' && (status === 429 || status >= 500 || (status === 403 && isRateLimit(error)))) return true;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE'].includes(code);
}

/** A 403 that is GitHub's rate limit, not a missing permission: it says when to try again. */
function isRateLimit(error: object): boolean {
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers ?? {};
  const message = (error as { message?: unknown }).message;
  return headers['x-ratelimit-remaining'] === '0' || headers['retry-after'] !== undefined || (typeof message === 'string' && /rate limit/i.test(message));
}
