import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { Probot } from 'probot';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../../src/adapters/github/github-client.ts';
import { dockyardOctokit } from '../../../src/adapters/github/rate-limits.ts';
import { githubComWriteLimits, WritePacer, type WriteLimit } from '../../../src/adapters/github/write-pacing.ts';
import { readCatalogFolders } from '../../../src/adapters/github/read-catalog-folders.ts';
import { isRetryable } from '../../../src/errors.ts';
import { api, mockInstallationToken, repoPath } from '../../mocks/github-api.ts';
import { CatalogCommit } from '../../mocks/github-catalog.ts';

const repo = { owner: 'Codertocat', repo: 'Hello-World' };
const secondaryLimit = {
  message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
  documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
};

/** The installation client a Probot built on Dockyard's Octokit hands out, throttling and retries on. */
async function installationClient(limits: readonly WriteLimit[] = githubComWriteLimits, installationId = 1): Promise<GitHubClient> {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const probot = new Probot({ appId: 123, privateKey, Octokit: dockyardOctokit(new WritePacer(limits)), logLevel: 'fatal' });
  return (await probot.auth(installationId)) as GitHubClient;
}

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
});

describe('GitHub rate limits', () => {
  it('waits out a secondary rate limit and retries, where Probot alone would drop the request', async () => {
    const github = nock(api);
    mockInstallationToken(github);
    const commit = new CatalogCommit('e'.repeat(40), { 'images/base/Dockerfile': 'FROM scratch\n' });
    github.get(`${repoPath}/git/trees/${commit.sha}`).reply(403, secondaryLimit, { 'retry-after': '1' });
    commit.mockTrees(github);
    commit.mockBlobs(github, ['images/base/Dockerfile']);
    const octokit = await installationClient();

    const started = Date.now();
    const folders = await readCatalogFolders(octokit, repo, commit.sha, 'images');

    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(folders).toEqual([{ name: 'base', treeSha: 'tree-base', dockerfile: { kind: 'file', bytes: Buffer.from('FROM scratch\n') }, metadata: { kind: 'missing' } }]);
    expect(github.pendingMocks()).toEqual([]);
  });

  it('counts a rate-limit answer as a failure to retry, a missing permission not', async () => {
    const github = nock(api);
    github.get(`${repoPath}/git/blobs/limited`).reply(403, { message: 'API rate limit exceeded for installation ID 1.' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '0' });
    github.get(`${repoPath}/git/blobs/forbidden`).reply(403, { message: 'Resource not accessible by integration' });
    const Octokit = dockyardOctokit(new WritePacer([]));
    const octokit = new Octokit({ auth: { token: 'ghs_test' }, throttle: { enabled: false }, retry: { enabled: false } }) as unknown as GitHubClient;

    const limited = await octokit.rest.git.getBlob({ ...repo, file_sha: 'limited' }).catch((error: unknown) => error);
    const forbidden = await octokit.rest.git.getBlob({ ...repo, file_sha: 'forbidden' }).catch((error: unknown) => error);

    expect([isRetryable(limited), isRetryable(forbidden)]).toEqual([true, false]);
  });
});

/** A check run as GitHub answers its creation (docs.github.com/rest/checks/runs#create-a-check-run). */
function createdCheckRun(body: { head_sha?: string; status?: string }, id: number) {
  return { id, head_sha: body.head_sha, status: body.status ?? 'queued', name: 'Dockyard', html_url: `https://github.com/Codertocat/Hello-World/runs/${id}` };
}

/**
 * GitHub's check-run endpoints with a secondary limit of `count` writes per `windowMs` for the installation,
 * answered as GitHub answers it: 403, the documented message and `retry-after`. Records what it saw.
 */
function limitedGitHub(count: number, windowMs: number) {
  const seen: { at: number; method: string; path: string; status: number }[] = [];
  // nock 15 hands a reply function the fetch Request (lib/playback_interceptor.js).
  const answer = (method: string) => async (request: Request): Promise<nock.ReplyFnResult> => {
    const at = Date.now();
    const body = (await request.json()) as { head_sha?: string; status?: string };
    const recent = seen.filter((entry) => entry.status !== 403 && entry.at > at - windowMs).length;
    const status = recent >= count ? 403 : method === 'POST' ? 201 : 200;
    seen.push({ at, method, path: new URL(request.url).pathname, status });
    return status === 403 ? [403, secondaryLimit, { 'retry-after': '1' }] : [status, createdCheckRun(body, seen.length)];
  };
  const github = nock(api);
  mockInstallationToken(github);
  github.post(`${repoPath}/check-runs`).reply(answer('POST')).persist();
  github.patch(/\/repos\/Codertocat\/Hello-World\/check-runs\/\d+$/).reply(answer('PATCH')).persist();
  return { github, seen };
}

describe('GitHub write pacing', () => {
  it('makes 30 check runs for one installation at once within the budget, where Probot starts one write a second', async () => {
    const { seen } = limitedGitHub(80, 60_000);
    const octokit = await installationClient();

    const started = Date.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => octokit.rest.checks.create({ ...repo, name: 'Dockyard', head_sha: String(i).padStart(40, '0'), status: 'queued' })));

    // Probot's throttle (one write per second per installation) takes 29 s for this.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(seen.map((entry) => entry.status)).toEqual(Array(30).fill(201));
  });

  it('keeps to the limits it is given, so GitHub never answers a burst with a secondary limit', async () => {
    const { seen } = limitedGitHub(4, 500);
    const octokit = await installationClient([{ count: 4, windowMs: 500 }]);

    await Promise.all(Array.from({ length: 10 }, (_, i) => octokit.rest.checks.create({ ...repo, name: 'Dockyard', head_sha: String(i).padStart(40, '0'), status: 'queued' })));

    expect(seen).toHaveLength(10);
    expect(seen.filter((entry) => entry.status === 403)).toEqual([]);
  });

  it('holds the installation’s other writes after a secondary limit, then sends them all', async () => {
    const { seen } = limitedGitHub(1, 800);
    const octokit = await installationClient([]);

    await octokit.rest.checks.create({ ...repo, name: 'Dockyard', head_sha: 'a'.repeat(40), status: 'queued' });
    // The second write is answered with the limit; the third is asked for once that answer is in.
    const second = octokit.rest.checks.update({ ...repo, check_run_id: 1, status: 'in_progress' });
    while (!seen.some((entry) => entry.status === 403)) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const third = octokit.rest.checks.update({ ...repo, check_run_id: 1, status: 'completed', conclusion: 'success' });
    const answers = await Promise.all([second, third]);

    const limitedAt = seen.find((entry) => entry.status === 403)?.at ?? Infinity;
    const heldUntil = seen.filter((entry) => entry.at > limitedAt).map((entry) => entry.at);
    // Retried after `retry-after` (1 s), and the third write held as long instead of running into the limit too.
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(Math.min(...heldUntil) - limitedAt).toBeGreaterThanOrEqual(950);
  }, 20_000);
});
