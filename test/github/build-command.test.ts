import pino from 'pino';
import type { Probot } from 'probot';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { decideApproval, parseBuildCommand } from '../../src/github/build-approval.ts';
import { createDockyard } from '../../src/index.ts';
import { JobQueue } from '../../src/jobs/job-queue.ts';
import type { PullRequestBuildDeps } from '../../src/jobs/check-pull-request.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { succeedingBuildPorts } from '../jobs/job-fixtures.ts';
import { FakeRepository } from '../integration/harness.ts';
import { api, mockComments, mockFile, mockInstallationToken, mockPullFiles, repoPath } from '../mocks/github-api.ts';
import { useGitHubNock } from '../mocks/github-nock.ts';
import { dockyardYml, ecrHost, upstream } from '../mocks/repository-fixtures.ts';
import { testProbot } from '../mocks/test-probot.ts';
import { payload, pullRequestComment } from '../mocks/webhook-payload.ts';

type Example = Record<string, unknown>;

const seen = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const pushedLater = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';

describe('parseBuildCommand', () => {
  it('reads the bare command and the command with a commit', () => {
    expect(parseBuildCommand('/dockyard build')).toEqual({});
    expect(parseBuildCommand('  /dockyard build  ')).toEqual({});
    expect(parseBuildCommand('/dockyard build EC26C3E')).toEqual({ sha: 'ec26c3e' });
    expect(parseBuildCommand(`/dockyard build ${seen}`)).toEqual({ sha: seen });
  });

  it('ignores anything else', () => {
    for (const body of ['/dockyard build abc', '/dockyard build please', 'please /dockyard build', '/dockyard', '/dockyard build ec26c3e now']) {
      expect(parseBuildCommand(body), body).toBeUndefined();
    }
  });
});

describe('decideApproval', () => {
  const store = new StateStore(':memory:');
  store.recordHead('o/r', 2, seen, '2026-11-30T10:00:00Z');
  store.recordHead('o/r', 2, pushedLater, '2026-11-30T10:05:00Z');
  // A later event for the same head (reopened) does not move when it was first shown.
  store.recordHead('o/r', 2, seen, '2026-11-30T11:00:00Z');
  const request = { repo: 'o/r', pr: 2, commentedAt: '2026-11-30T10:03:00Z' };

  it('approves the head that was already there when the comment was written', () => {
    expect(decideApproval(store, { ...request, head: seen, command: {} })).toEqual({ approve: true, sha: seen });
  });

  it('refuses a head pushed after the comment was written, and says how to approve it', () => {
    const decision = decideApproval(store, { ...request, head: pushedLater, command: {} });
    expect(decision).toEqual({
      approve: false,
      reply: 'The head of this pull request is `0d1a26e`, which Dockyard cannot show was there when this approval was written, so nothing was built. Review `0d1a26e`, then comment `/dockyard build 0d1a26e` to build exactly that commit.',
    });
  });

  it('refuses a head it has never seen, and a comment written in the same second as the push', () => {
    expect(decideApproval(store, { ...request, head: 'f'.repeat(40), command: {} }).approve).toBe(false);
    expect(decideApproval(store, { ...request, commentedAt: '2026-11-30T10:05:00Z', head: pushedLater, command: {} }).approve).toBe(false);
  });

  it('with a commit, approves exactly that commit while it is the head', () => {
    expect(decideApproval(store, { ...request, head: pushedLater, command: { sha: '0d1a26e' } })).toEqual({ approve: true, sha: pushedLater });
    const decision = decideApproval(store, { ...request, head: pushedLater, command: { sha: 'ec26c3e' } });
    expect(decision).toEqual({
      approve: false,
      reply: '`ec26c3e` is not the head of this pull request any more: it is now `0d1a26e`. Review the new commits, then comment `/dockyard build 0d1a26e` to build them.',
    });
  });
});

describe('/dockyard build on a fork pull request', () => {
  const { github, unmatched } = useGitHubNock();
  let probot: Probot;
  let store: StateStore;
  let queue: JobQueue;

  beforeEach(async () => {
    probot = testProbot();
    store = new StateStore(':memory:');
    // Builds are wired but never reached: every scenario here must stop before building.
    const builds = { store } as unknown as PullRequestBuildDeps;
    queue = new JobQueue(store, {}, pino({ level: 'silent' }));
    await probot.load(createDockyard({ store, queue, builds }), { cwd: process.cwd(), addHandler: () => undefined });
    mockInstallationToken(github);
  });

  afterEach(() => {
    queue.stop();
    expect(unmatched).toEqual([]);
    expect(github.pendingMocks()).toEqual([]);
  });

  it('does not approve a commit the fork pushed after the maintainer commented (or a redelivered old comment)', async () => {
    store.recordHead('Codertocat/Hello-World', 2, seen, '2026-11-30T10:00:00Z');
    store.recordHead('Codertocat/Hello-World', 2, pushedLater, '2026-11-30T10:05:00Z');
    const event = pullRequestComment('/dockyard build', '2026-11-30T10:03:00Z');
    const login = event.comment.user.login;
    github.get(`${repoPath}/collaborators/${login}/permission`).reply(200, { permission: 'write', role_name: 'write' });
    github.get(`${repoPath}/pulls/2`).reply(200, { number: 2, head: { sha: pushedLater, repo: { id: 1 } } });
    const replies: { body: string }[] = [];
    github.post(`${repoPath}/issues/2/comments`, (body: { body: string }) => replies.push(body) > 0).reply(201, { id: 9 });

    await probot.receive({ id: 'c1', name: 'issue_comment', payload: event } as never);

    expect(replies.map((reply) => reply.body)).toEqual([
      `@${login} The head of this pull request is \`0d1a26e\`, which Dockyard cannot show was there when this approval was written, so nothing was built. Review \`0d1a26e\`, then comment \`/dockyard build 0d1a26e\` to build exactly that commit.`,
    ]);
    expect(store.approvalFor('Codertocat/Hello-World', 2, pushedLater)).toBeUndefined();
    expect(store.approvalFor('Codertocat/Hello-World', 2, seen)).toBeUndefined();
  });

  it('records when each head was first shown, by GitHub\'s time of the pull request event', async () => {
    const event = payload('pull_request', 'synchronize') as Example & { pull_request: Example & { head: Example } };
    github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: 'master' }).reply(404, { message: 'Not Found' });
    github.get(`${repoPath}/pulls/2/files`).query({ per_page: 100 }).reply(200, []);
    // A change outside the catalog still gets its check run, passed at once.
    github.post(`${repoPath}/check-runs`).reply(201, { id: 42, html_url: 'https://github.com/Codertocat/Hello-World/runs/42' });
    github.patch(`${repoPath}/check-runs/42`, { status: 'in_progress' }).reply(200, {});
    github.patch(`${repoPath}/check-runs/42`, (body: { conclusion?: string }) => body.conclusion === 'success').reply(200, {});
    await probot.receive({ id: 'p1', name: 'pull_request', payload: event } as never);
    await queue.idle();
    expect(store.headSince('Codertocat/Hello-World', 2, String(event.pull_request.head['sha']))).toBe(event.pull_request['updated_at']);
  });
});

describe('an approved fork head is checked from the queue', () => {
  const config = dockyardYml();
  const repo = new FakeRepository(seen, {
    '.github/dockyard.yml': config,
    'images/base/Dockerfile': `FROM ${upstream}\nUSER jenkins\n`,
  });
  const { github, unmatched, bodies } = useGitHubNock();
  let probot: Probot;
  let store: StateStore;
  let queue: JobQueue;
  let built: string[];

  beforeAll(() => {
    process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
  });

  beforeEach(async () => {
    probot = testProbot();
    store = new StateStore(':memory:');
    built = [];
    // Builds that succeed and scans that find nothing, recorded as they run.
    const ports = succeedingBuildPorts({
      buildImage: async (request) => {
        built.push(request.image);
        return { status: 'built', imageId: `sha256:${request.image}`, frontend: 'buildkit-0.8', logTail: [] };
      },
    });
    const builds: PullRequestBuildDeps = {
      store,
      mirrors: [],
      ports,
      registryAuth: async () => ({ registry: ecrHost, endpoint: `https://${ecrHost}`, username: 'AWS', password: 'ecr-password' }),
    };
    // One slot: a test holds it to see what the webhook alone does.
    queue = new JobQueue(store, {}, pino({ level: 'silent' }), { concurrency: 1 });
    await probot.load(createDockyard({ store, queue, builds }), { cwd: process.cwd(), addHandler: () => undefined });
  });

  afterEach(() => {
    queue.stop();
    expect(unmatched).toEqual([]);
    expect(github.pendingMocks()).toEqual([]);
  });

  /** What checking the head asks GitHub before it reports: the settings, the changed files, the catalog. */
  function mockCheckReads(): void {
    mockFile(github, '.github/dockyard.yml', 'master', config);
    mockPullFiles(github, 2, [{ filename: 'images/base/Dockerfile', status: 'modified' }]);
    mockFile(github, '.hadolint.yaml', 'master', 'ignored: [DL3066]\n');
    repo.mockCatalog(github);
  }

  /** The check run made queued for `id`, and every update of it, in order. */
  function mockCheckRun(id: number): { status?: string; conclusion?: string; output?: { title: string } }[] {
    github.post(`${repoPath}/check-runs`, { name: 'Dockyard', head_sha: seen, status: 'queued' }).reply(201, { id, html_url: `https://github.com/Codertocat/Hello-World/runs/${id}` });
    const updates = bodies<{ status?: string; conclusion?: string; output?: { title: string } }>('PATCH', `/check-runs/${id}`);
    github.patch(`${repoPath}/check-runs/${id}`).times(2).reply(200, {});
    return updates;
  }

  it('after a maintainer approves, records one new check of the head and builds it there, not in the webhook', async () => {
    mockInstallationToken(github);
    // 1. The fork's head is checked, not built: it waits for a maintainer.
    const event = payload('pull_request', 'synchronize') as Example & { repository: { id: number }; pull_request: Example & { updated_at: string; head: { sha: string; repo: { id: number } } } };
    event.pull_request.head.sha = seen;
    event.pull_request.head.repo.id = event.repository.id + 1;
    const waiting = mockCheckRun(41);
    mockCheckReads();
    mockComments(github, 2, []);
    github.post(`${repoPath}/issues/2/comments`).reply(201, { id: 8 });
    await probot.receive({ id: 'p1', name: 'pull_request', payload: event } as never);
    await queue.idle();
    expect(waiting.map((update) => [update.status, update.conclusion])).toEqual([['in_progress', undefined], ['completed', 'action_required']]);
    expect(built).toEqual([]);
    expect(github.pendingMocks()).toEqual([]);

    // 2. A maintainer approves while the queue's only slot is taken: the webhook records, and does no check work.
    let release = () => {};
    queue.register('hold', () => new Promise<void>((resolve) => (release = resolve)));
    queue.enqueue('hold', 'hold', {}, 'other/repo');
    const approval = pullRequestComment('/dockyard build', new Date(Date.parse(event.pull_request.updated_at) + 60_000).toISOString());
    const login = approval.comment.user.login;
    github.get(`${repoPath}/collaborators/${login}/permission`).reply(200, { permission: 'write', role_name: 'write' });
    github.get(`${repoPath}/pulls/2`).reply(200, { number: 2, head: { sha: seen, repo: { id: event.repository.id + 1 } } });
    const approved = mockCheckRun(42);
    await probot.receive({ id: 'c2', name: 'issue_comment', payload: approval } as never);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.approvalFor('Codertocat/Hello-World', 2, seen)).toBe(login);
    expect(github.pendingMocks()).toEqual([`PATCH ${api}:443${repoPath}/check-runs/42`]);
    expect(approved).toEqual([]);
    expect(built).toEqual([]);

    // 3. The queue checks the approved head on that check run, and builds it.
    store.blobs.forgetBlobs();
    mockCheckReads();
    mockFile(github, '.trivyignore', 'master', null);
    await repo.mockTarball(github);
    mockComments(github, 2, [{ id: 8, body: '<!-- dockyard:report -->\nwaiting' }]);
    const edits = bodies<{ body: string }>('PATCH', '/issues/comments/8');
    github.patch(`${repoPath}/issues/comments/8`).reply(200, { id: 8 });
    release();
    await queue.idle();
    expect(built).toEqual(['base']);
    expect(approved.map((update) => [update.status, update.conclusion])).toEqual([['in_progress', undefined], ['completed', 'success']]);
    expect(edits).toHaveLength(1);
    expect(edits[0]?.body.startsWith('<!-- dockyard:report -->\n## ✅ Dockyard: all checks passed\n')).toBe(true);
    expect(edits[0]?.body).toContain('| base (changed) | `docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21@sha256:aaaaaaaaaaaa…` ✅ | — | ✅ no vulnerabilities |');
    expect(store.jobs().filter((job) => job.kind === 'pr-check').map((job) => [job.key, job.state])).toEqual([[`pr-check:Codertocat/Hello-World#2@${seen}`, 'done']]);

    // A redelivered approval records nothing more.
    github.get(`${repoPath}/collaborators/${login}/permission`).reply(200, { permission: 'write', role_name: 'write' });
    github.get(`${repoPath}/pulls/2`).reply(200, { number: 2, head: { sha: seen, repo: { id: event.repository.id + 1 } } });
    await probot.receive({ id: 'c2', name: 'issue_comment', payload: approval } as never);
    await queue.idle();
  });

  it('an approval that arrives while the head is being checked starts that check over, and it builds on the same check run', async () => {
    mockInstallationToken(github);
    const event = payload('pull_request', 'synchronize') as Example & { repository: { id: number }; pull_request: Example & { updated_at: string; head: { sha: string; repo: { id: number } } } };
    event.pull_request.head.sha = seen;
    event.pull_request.head.repo.id = event.repository.id + 1;
    github.post(`${repoPath}/check-runs`, { name: 'Dockyard', head_sha: seen, status: 'queued' }).reply(201, { id: 41, html_url: 'https://github.com/Codertocat/Hello-World/runs/41' });
    const updates = bodies<{ status?: string; conclusion?: string }>('PATCH', '/check-runs/41');
    github.patch(`${repoPath}/check-runs/41`).times(3).reply(200, {});
    // 1. The fork's head is being checked: its first read is slow, and the approval comes meanwhile.
    let reading = () => {};
    const slowRead = new Promise<void>((resolve) => (reading = resolve));
    github
      .get(`${repoPath}/contents/.github%2Fdockyard.yml`)
      .query({ ref: 'master' })
      .delay(1500)
      .reply(() => {
        reading();
        return [200, { type: 'file', encoding: 'base64', path: '.github/dockyard.yml', sha: 'sha-config', content: Buffer.from(config).toString('base64') }];
      });
    await probot.receive({ id: 'p1', name: 'pull_request', payload: event } as never);
    await slowRead;

    const approval = pullRequestComment('/dockyard build', new Date(Date.parse(event.pull_request.updated_at) + 60_000).toISOString());
    const login = approval.comment.user.login;
    github.get(`${repoPath}/collaborators/${login}/permission`).reply(200, { permission: 'write', role_name: 'write' });
    github.get(`${repoPath}/pulls/2`).reply(200, { number: 2, head: { sha: seen, repo: { id: event.repository.id + 1 } } });
    // The first attempt's next read, after which it sees it was stopped; then what the check started over
    // reads and writes.
    mockPullFiles(github, 2, [{ filename: 'images/base/Dockerfile', status: 'modified' }]);
    mockCheckReads();
    mockFile(github, '.trivyignore', 'master', null);
    await repo.mockTarball(github);
    mockComments(github, 2, []);
    github.post(`${repoPath}/issues/2/comments`).reply(201, { id: 8 });
    await probot.receive({ id: 'c2', name: 'issue_comment', payload: approval } as never);
    expect(store.approvalFor('Codertocat/Hello-World', 2, seen)).toBe(login);

    // 2. The check starts over with the approval and builds, on the check run it already has.
    await queue.idle();

    expect(built).toEqual(['base']);
    expect(updates.map((update) => [update.status, update.conclusion])).toEqual([
      ['in_progress', undefined],
      ['in_progress', undefined],
      ['completed', 'success'],
    ]);
    expect(store.jobs().filter((job) => job.kind === 'pr-check').map((job) => [job.key, job.state])).toEqual([[`pr-check:Codertocat/Hello-World#2@${seen}`, 'done']]);
  });
});
