import nock from 'nock';
import pino from 'pino';
import type { Probot } from 'probot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { commentMarker } from '../../src/domain/report/render-comment.ts';
import { createDockyard } from '../../src/index.ts';
import type { PullRequestBuildDeps } from '../../src/jobs/check-pull-request.ts';
import { JobQueue } from '../../src/jobs/job-queue.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { api, mockComments, mockFile, mockInstallationToken, mockPullFiles, repoPath } from '../mocks/github-api.ts';
import { CatalogCommit, codeload, generatedCatalog } from '../mocks/github-catalog.ts';
import { dockyardYml, upstream } from '../mocks/repository-fixtures.ts';
import { testProbot } from '../mocks/test-probot.ts';
import { payload } from '../mocks/webhook-payload.ts';

type PullRequestEvent = { pull_request: { number: number; head: { sha: string; repo: { id: number } } }; repository: { id: number } };

/** A real `pull_request` payload from @octokit/webhooks-examples, for a fork's head at `sha`. */
function forkPullRequest(action: string, sha: string): PullRequestEvent {
  const event = payload<PullRequestEvent>('pull_request', action);
  event.pull_request.head.sha = sha;
  // A fork's head is never built without approval, so the check stops after policy and lint.
  event.pull_request.head.repo.id = event.repository.id + 1;
  return event;
}

const config = dockyardYml();
const changed = 'images/tool-00001/Dockerfile';

/** Every GitHub request one check made, as `METHOD /path` with the repository prefix and query left off. */
const requests: string[] = [];
const unmatched: string[] = [];

beforeAll(() => {
  process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
  nock.disableNetConnect();
  nock.emitter.on('no match', (request: { method?: string; path?: string }) => unmatched.push(`${request.method} ${request.path}`));
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
});

/** Mocks the requests of a check that are the same whatever the catalog: settings, files, check run, comment. */
function mockCheck(github: nock.Scope, pr: number, comment: 'new' | 'existing'): void {
  mockFile(github, '.github/dockyard.yml', 'master', config);
  mockFile(github, '.hadolint.yaml', 'master', 'ignored: [DL3066]\n');
  mockPullFiles(github, pr, [{ filename: changed, status: 'modified' }]);
  github.post(`${repoPath}/check-runs`).reply(201, { id: 42, html_url: 'https://github.com/Codertocat/Hello-World/runs/42' });
  github.patch(`${repoPath}/check-runs/42`).times(2).reply(200, {});
  if (comment === 'new') {
    mockComments(github, pr, []);
    github.post(`${repoPath}/issues/${pr}/comments`).reply(201, { id: 8 });
  } else {
    mockComments(github, pr, [{ id: 8, body: `${commentMarker}\nan older report` }]);
    github.patch(`${repoPath}/issues/comments/8`).reply(200, { id: 8 });
  }
}

/** Runs one check, from its delivery to the end of its job, and returns the GitHub requests it made. */
async function check(probot: Probot, queue: JobQueue, event: PullRequestEvent, action: string): Promise<string[]> {
  requests.length = 0;
  await probot.receive({ id: `delivery-${event.pull_request.head.sha}`, name: 'pull_request', payload: { ...event, action } } as never);
  await queue.idle();
  return [...requests];
}

function record(scope: nock.Scope, host: string): nock.Scope {
  // nock hands each matched request over as a fetch Request.
  return scope.on('request', (request: Request) => {
    const where = new URL(request.url).pathname.replace(repoPath, '');
    requests.push(`${request.method} ${host}${where}`);
  });
}

/** A check's requests: the same ones before and after reading the catalog, whatever its size. */
function expectedRequests(pr: number, catalog: string[], comment: string): string[] {
  return [
    // Made queued when the delivery is recorded, marked in progress when its job starts.
    'POST /check-runs',
    'PATCH /check-runs/42',
    'GET /contents/.github%2Fdockyard.yml',
    `GET /pulls/${pr}/files`,
    'GET /contents/.hadolint.yaml',
    ...catalog,
    'PATCH /check-runs/42',
    `GET /issues/${pr}/comments`,
    comment,
  ];
}

describe('GitHub requests of a pull request check', () => {
  for (const size of [10, 1_000, 12_000]) {
    it(`stay the same for a catalog of ${size.toLocaleString('en')} images, cold and warm`, async () => {
      const files = { '.github/dockyard.yml': config, ...generatedCatalog(size, upstream) };
      const before = new CatalogCommit('1'.repeat(40), files);
      const after = new CatalogCommit('2'.repeat(40), { ...files, [changed]: `FROM docker.io/library/ubuntu:24.04\nUSER jenkins\n` });
      const store = new StateStore(':memory:');
      const builds = { store, ports: { engineFrontend: async () => 'buildkit-0.34' } } as unknown as PullRequestBuildDeps;
      const probot = testProbot();
      const queue = new JobQueue(store, {}, pino({ level: 'silent' }));
      await probot.load(createDockyard({ store, queue, builds }), {
        cwd: process.cwd(),
        addHandler: () => undefined,
      });
      unmatched.length = 0;
      const github = record(nock(api), '');
      const archives = record(nock(codeload), 'codeload ');
      const opened = forkPullRequest('opened', before.sha);
      const pr = opened.pull_request.number;

      // Cold: nothing known, so every Dockerfile and image.yml comes from one archive download.
      mockInstallationToken(github);
      mockCheck(github, pr, 'new');
      before.mockTrees(github);
      await before.mockTarball(github, archives);
      const cold = await check(probot, queue, opened, 'opened');
      expect(unmatched).toEqual([]);
      expect(github.pendingMocks()).toEqual([]);
      expect(archives.pendingMocks()).toEqual([]);
      expect(cold).toEqual([
        'POST /app/installations/1/access_tokens',
        ...expectedRequests(pr, [
          `GET /git/trees/${before.sha}`,
          `GET /git/trees/tree-images-${before.sha}`,
          `GET /tarball/${before.sha}`,
          `GET codeload /Codertocat/Hello-World/legacy.tar.gz/${before.sha}`,
        ], `POST /issues/${pr}/comments`),
      ]);

      // Warm: one Dockerfile changed; only its blob is read, whatever the size of the catalog.
      mockCheck(github, pr, 'existing');
      after.mockTrees(github);
      after.mockBlobs(github, [changed]);
      const warm = await check(probot, queue, forkPullRequest('synchronize', after.sha), 'synchronize');
      expect(unmatched).toEqual([]);
      expect(github.pendingMocks()).toEqual([]);
      expect(warm).toEqual(
        expectedRequests(pr, [`GET /git/trees/${after.sha}`, `GET /git/trees/tree-images-${after.sha}`, `GET /git/blobs/${after.blobSha(changed)}`], 'PATCH /issues/comments/8'),
      );

      // Every blob of both commits is kept: none was evicted to make room for another (above 10,000
      // images, the old in-memory cache of 20,000 blobs evicted what the next check needed).
      const shas = [...new Set([...before.files.keys(), changed].flatMap((path) => (path.startsWith('images/') ? [before.blobSha(path), after.blobSha(path)] : [])))];
      expect(store.blobs.knownBlobs(shas).size).toBe(shas.length);
      expect(shas).toHaveLength(2 * size + 1);
      queue.stop();
      store.close();
    }, 120_000);
  }
});
