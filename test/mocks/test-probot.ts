import { generateKeyPairSync } from 'node:crypto';
import type { Logger } from 'pino';
import { Probot, ProbotOctokit } from 'probot';
import type { GitHubClient } from '../../src/adapters/github/github-client.ts';

let privateKey: string | undefined;

/**
 * A Probot for tests: a real app key (made once per process), no retries, and no throttle — Probot
 * layers its own throttle options over plain defaults, so they are forced off last: the throttle
 * spaces write requests a second apart, which only slows tests down.
 */
export function testProbot(log?: Logger): Probot {
  privateKey ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return new Probot({
    appId: 123,
    privateKey,
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { ...(options['throttle'] as object), enabled: false },
    })),
    ...(log ? { log } : { logLevel: 'fatal' as const }),
  });
}

/** An installation's client for calling jobs and adapters directly: a fixed token, no retries, no throttle. */
export function testOctokit(): GitHubClient {
  return new ProbotOctokit({ auth: { token: 'ghs_test' }, retry: { enabled: false }, throttle: { enabled: false } }) as unknown as GitHubClient;
}
