import { OutsideError } from '../../errors.ts';
import { redact } from '../../logging/secrets.ts';
import { EcrRejectedError } from './ecr-errors.ts';

/** How ECR calls are retried; production uses the defaults, tests inject `sleep` and `random`. */
export interface RetryOptions {
  /** Attempts in all, the first one included; default 5. */
  attempts?: number;
  /** Cap of the delay before the first retry, doubled on each further retry, in ms; default 200. */
  baseDelayMs?: number;
  /** Largest cap of any delay, in ms; default 20 000. */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Returns a number in [0, 1) for the jitter; default Math.random. */
  random?: () => number;
}

/** ECR and SDK error codes for throttling and passing failures (the SDK standard retry mode's list, minus quotas). */
const retryableCodes = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ServerException',
  'ServiceUnavailableException',
  'InternalFailure',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Signature errors worth one more attempt only once the SDK has corrected its clock offset from the answer. */
const clockSkewCodes = new Set(['RequestTimeTooSkewed', 'RequestExpired', 'InvalidSignatureException', 'SignatureDoesNotMatch']);

const networkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

interface ErrorFacts {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown; clockSkewCorrected?: unknown };
}

/** Whether an error from an ECR call may pass if the call is made again: throttling, 5xx, timeouts, dropped connections. */
export function isRetryableEcrError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const facts = error as ErrorFacts;
  const status = facts.$metadata?.httpStatusCode;
  return (
    retryableCodes.has(String(facts.name)) ||
    (clockSkewCodes.has(String(facts.name)) && facts.$metadata?.clockSkewCorrected === true) ||
    networkCodes.has(String(facts.code)) ||
    facts.$fault === 'server' ||
    Boolean(facts.$retryable) ||
    (typeof status === 'number' && (status >= 500 || status === 429))
  );
}

function summarize(error: unknown): { code: string; text: string } {
  const facts = (typeof error === 'object' && error !== null ? error : {}) as ErrorFacts;
  const code = typeof facts.name === 'string' ? facts.name : 'Error';
  const message = typeof facts.message === 'string' ? facts.message : String(error);
  return { code, text: redact(`${code}: ${message}`) };
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one ECR call, retrying throttling and passing failures with exponential backoff and full jitter.
 * Errors named in `expected` reach the caller untouched; other refusals become an EcrRejectedError, and a
 * call still failing after the last attempt an OutsideError.
 */
export async function withRetry<T>(
  operation: string,
  call: () => Promise<T>,
  options: RetryOptions & { expected?: readonly string[] } = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const { code, text } = summarize(error);
      if (options.expected?.includes(code)) throw error;
      if (!isRetryableEcrError(error)) {
        // Only service answers are the operator's to fix; anything else is a bug and keeps its stack.
        if (typeof error !== 'object' || error === null || !('$metadata' in error)) throw error;
        const hint =
          code === 'AccessDeniedException'
            ? ` Grant the app's IAM role ecr:${operation}.`
            : ' Retrying will not help: check the app\'s IAM role and the repository settings.';
        throw new EcrRejectedError(operation, code, `ECR refused ${operation}: ${text}.${hint}`, { cause: error });
      }
      if (attempt >= attempts) {
        throw new OutsideError('ecr', `ECR ${operation} still failed after ${attempts} attempts (${text}); try again later.`, {
          cause: error,
        });
      }
      await sleep(Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))));
    }
  }
}
