import { ProbotOctokit } from 'probot';
import type { WritePacer } from './write-pacing.ts';

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
 * A limiter group for @octokit/plugin-throttling that holds nothing: the plugin paces every write of an
 * installation one per second, and every comment one per three seconds (its `write` and `notifications`
 * groups, dist-src/index.js), which the WritePacer replaces. The plugin takes the groups from its options
 * (`state.write ?? groups.write`) and calls `group.key(id).schedule(options, task)` (dist-src/wrap-request.js).
 */
const unpaced = { key: () => ({ schedule: (_options: unknown, task: () => Promise<unknown>) => task() }) };

/** The write that makes a check run: what shows a pull request that Dockyard has its change, so it goes first. */
const checkRunCreation = /^\/repos\/[^/]+\/[^/]+\/check-runs$/;

/** Requests that make an installation token: not writes to a repository (the plugin's `isAuthRequest`). */
const tokenRequest = /^\/(?:app\/installations\/[^/]+\/access_tokens|applications\/[^/]+\/token(?:\/scoped)?|login\/oauth\/access_token)$/;

/** Which budget a client's writes count against: its installation's, or the app's own. */
function budgetKey(options: Record<string, unknown>): string {
  const installationId = (options['auth'] as { installationId?: unknown } | undefined)?.installationId;
  return installationId === undefined ? 'app' : `installation ${String(installationId)}`;
}

/**
 * Probot's Octokit with GitHub's limits kept by `pacer` and its answers to rate limits set to wait and retry.
 * Probot 14 replaces @octokit/plugin-throttling's handlers with its own (lib/octokit/get-octokit-throttle-options.js):
 * a primary limit is retried only three times and a secondary limit never, so a burst of checks would
 * drop requests. GitHub asks clients to wait: until `x-ratelimit-reset` when `x-ratelimit-remaining` is
 * 0, `retry-after` seconds for a secondary limit, else at least a minute
 * (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#handle-rate-limit-errors-appropriately);
 * the plugin computes exactly those waits, and these handlers accept them. A secondary limit also holds the
 * installation's other writes for that long.
 */
export function dockyardOctokit(pacer: WritePacer): typeof ProbotOctokit {
  const pacedWrites = (octokit: Pick<InstanceType<typeof ProbotOctokit>, 'hook'>, options: Record<string, unknown>) => {
    const key = budgetKey(options);
    octokit.hook.wrap('request', async (request, endpoint) => {
      // A write is what creates or changes something on GitHub: what the secondary limits count.
      const method = endpoint.method.toUpperCase();
      const path = new URL(endpoint.url, 'http://github.test').pathname;
      if (method === 'GET' || method === 'HEAD' || tokenRequest.test(path)) return request(endpoint);
      return pacer.schedule(key, method === 'POST' && checkRunCreation.test(path), async () => request(endpoint));
    });
  };
  return ProbotOctokit.plugin(pacedWrites).defaults((options: Record<string, unknown>) => {
    const key = budgetKey(options);
    return {
      ...options,
      throttle: {
        ...(options['throttle'] as object),
        write: unpaced,
        notifications: unpaced,
        onRateLimit: waitAndRetry('primary'),
        onSecondaryRateLimit: waitAndRetry('secondary', (seconds) => pacer.pause(key, seconds * 1000)),
      },
    };
  });
}

function waitAndRetry(kind: 'primary' | 'secondary', waiting?: (seconds: number) => void) {
  return (retryAfter: number, request: LimitedRequest, octokit: LoggingOctokit, retryCount: number): boolean => {
    const retry = retryCount < rateLimitRetries;
    if (retry) waiting?.(retryAfter);
    // Fixed text first: the request line carries no secret (the token travels in a header).
    octokit.log.warn(
      `GitHub ${kind} rate limit on ${request.method} ${request.url}: ${retry ? `retrying in ${retryAfter} s (retry ${retryCount + 1} of ${rateLimitRetries})` : 'giving up; the job is retried later'}`,
    );
    return retry;
  };
}
