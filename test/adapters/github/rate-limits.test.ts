import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { Probot } from 'probot';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../../src/adapters/github/github-client.ts';
import { DockyardOctokit } from '../../../src/adapters/github/rate-limits.ts';
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
async function installationClient(): Promise<GitHubClient> {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const probot = new Probot({ appId: 123, privateKey, Octokit: DockyardOctokit, logLevel: 'fatal' });
  return (await probot.auth(1)) as GitHubClient;
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
    const octokit = new DockyardOctokit({ auth: { token: 'ghs_test' }, throttle: { enabled: false }, retry: { enabled: false } }) as unknown as GitHubClient;

    const limited = await octokit.rest.git.getBlob({ ...repo, file_sha: 'limited' }).catch((error: unknown) => error);
    const forbidden = await octokit.rest.git.getBlob({ ...repo, file_sha: 'forbidden' }).catch((error: unknown) => error);

    expect([isRetryable(limited), isRetryable(forbidden)]).toEqual([true, false]);
  });
});
