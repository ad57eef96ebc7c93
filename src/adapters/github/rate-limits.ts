import { ProbotOctokit } from 'probot';

/** Times one request is retried after rate-limit answers before its error is thrown (and the job retried). */
export const rateLimitRetries = 10;

interface LimitedRequest {
  method: string;
  url: string;
}

interface LoggingOctokit {
  log: { warn(message: string): void };
}

/**
 * Probot's Octokit with @octokit/plugin-throttling's answers to rate limits set to wait and retry.
 * Probot 14 replaces the plugin's handlers with its own (lib/octokit/get-octokit-throttle-options.js):
 * a primary limit is retried only three times and a secondary limit never, so a burst of checks would
 * drop requests. GitHub asks clients to wait: until `x-ratelimit-reset` when `x-ratelimit-remaining` is
 * 0, `retry-after` seconds for a secondary limit, else at least a minute
 * (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#handle-rate-limit-errors-appropriately);
 * the plugin computes exactly those waits, and these handlers accept them.
 */
export const DockyardOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  throttle: { ...(options['throttle'] as object), onRateLimit: waitAndRetry('primary'), onSecondaryRateLimit: waitAndRetry('secondary') },
}));

function waitAndRetry(kind: 'primary' | 'secondary') {
  return (retryAfter: number, request: LimitedRequest, octokit: LoggingOctokit, retryCount: number): boolean => {
    const retry = retryCount < rateLimitRetries;
    // Fixed text first: the request line carries no secret (the token travels in a header).
    octokit.log.warn(
      `GitHub ${kind} rate limit on ${request.method} ${request.url}: ${retry ? `retrying in ${retryAfter} s (retry ${retryCount + 1} of ${rateLimitRetries})` : 'giving up; the job is retried later'}`,
    );
    return retry;
  };
}
