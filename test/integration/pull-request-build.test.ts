import { describe, expect, it } from 'vitest';
import { mockComments, mockInstallationToken, repoPath } from '../mocks/github-api.ts';
import { readImageConfig, readTag } from '../../src/adapters/registry/read-manifest.ts';
import { capture, contents, FakeRepository, mockPublishRequests, payload, pushEvent, testConfig, type Harness, useHarness } from './harness.ts';

const harness = useHarness();
let tokenMocked = false;

const headSha = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

function files(h: Harness): Record<string, string> {
  return {
    '.github/dockyard.yml': testConfig(h),
    'images/base/Dockerfile': `FROM ${h.upstream}\nUSER root\nRUN echo base > /etc/agent-base\nUSER jenkins\n`,
  };
}

type PullRequestPayload = Record<string, unknown> & { pull_request: { head: { repo: { id: number } } }; repository: { id: number } };

/**
 * Mocks the policy-and-lint part of a pull request check, which every scenario starts with, from the
 * queue: a check run made queued, then marked in progress.
 */
function mockCheckStart(h: Harness, repo: FakeRepository) {
  h.services.store.blobs.forgetBlobs();
  if (!tokenMocked) mockInstallationToken(h.github);
  tokenMocked = true;
  h.github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: 'master' }).reply(200, contents(repo.files['.github/dockyard.yml'] ?? ''));
  h.github.get(`${repoPath}/pulls/2/files`).query({ per_page: 100 }).reply(200, [{ filename: 'images/base/Dockerfile', status: 'modified' }]);
  h.github.post(`${repoPath}/check-runs`, { name: 'Dockyard', head_sha: headSha, status: 'queued' }).reply(201, { id: 42, html_url: 'https://github.com/Codertocat/Hello-World/runs/42' });
  h.github.patch(`${repoPath}/check-runs/42`, { status: 'in_progress' }).reply(200, {});
  h.github.get(`${repoPath}/contents/.hadolint.yaml`).query({ ref: 'master' }).reply(200, contents('ignored: [DL3066]\n'));
  repo.mockCatalog(h.github);
  const updates: { conclusion: string; output: { title: string } }[] = [];
  h.github.patch(`${repoPath}/check-runs/42`, capture(updates)).reply(200, {});
  mockComments(h.github, 2, []);
  const comments: { body: string }[] = [];
  h.github.post(`${repoPath}/issues/2/comments`, capture(comments)).reply(201, { id: 8 });
  return { updates, comments };
}

async function mockBuildDownloads(h: Harness, repo: FakeRepository, trivyIgnore?: string): Promise<void> {
  const ignore = h.github.get(`${repoPath}/contents/.trivyignore`).query({ ref: 'master' });
  if (trivyIgnore === undefined) ignore.reply(404, { message: 'Not Found' });
  else ignore.reply(200, contents(trivyIgnore));
  await repo.mockTarball(h.github);
}

function expectAllRequestsMade(h: Harness): void {
  expect(h.unmatched).toEqual([]);
  expect(h.github.pendingMocks()).toEqual([]);
}

describe('pull request builds', () => {
  it('builds and scans a branch of the repository, and a real finding fails the check and shows in the comment', async () => {
    const h = harness();
    const repo = new FakeRepository(headSha, files(h));
    const { updates, comments } = mockCheckStart(h, repo);
    await mockBuildDownloads(h, repo);

    await h.probot.receive({ id: 'b1', name: 'pull_request', payload: payload('pull_request', 'opened') } as never);

    await h.services.queue.idle();

    expectAllRequestsMade(h);
    expect(updates[0]?.conclusion).toBe('failure');
    expect(updates[0]?.output.title).toBe('Dockyard: 1 problem must be fixed: 1 image over the scan gate');
    const body = comments[0]?.body ?? '';
    expect(body.startsWith('<!-- dockyard:report -->\n## ❌ Dockyard: 1 problem must be fixed: 1 image over the scan gate\n')).toBe(true);
    expect(body).toMatch(/\n- \*\*base\*\* \(changed\)\n {2}- ❌ 🔴 CRITICAL \[CVE-2099-0001\]\([^)]+\) in `tar` /);
    expect(body).toMatch(/\n\| base \(changed\) \| `[^`]+` ✅ \| — \| ❌ 1 critical, 2 high \|\n/);
    expect(body).toContain('<details><summary><b>base</b>: build and scan</summary>');
    expect(body).toMatch(/\| 🔴 CRITICAL \| \[CVE-2099-0001\]\([^)]+\) \| `tar` \| `[^`]+` → `[^`]+dockyard1` \|/);
  }, 600_000);

  it('does not build a fork until someone with write access comments /dockyard build', async () => {
    const h = harness();
    const repo = new FakeRepository(headSha, files(h));
    const fork = payload<PullRequestPayload>('pull_request', 'synchronize');
    fork.pull_request.head.repo.id = fork.repository.id + 1;
    const waiting = mockCheckStart(h, repo);

    await h.probot.receive({ id: 'f1', name: 'pull_request', payload: fork } as never);

    await h.services.queue.idle();

    expectAllRequestsMade(h);
    // Not built or scanned, so never a pass: the check asks a maintainer to act.
    expect(waiting.updates[0]?.conclusion).toBe('action_required');
    expect(waiting.updates[0]?.output.title).toBe('Dockyard: policy and lint passed; not built or scanned until a maintainer approves');
    const waitingBody = waiting.comments[0]?.body ?? '';
    expect(waitingBody.startsWith('<!-- dockyard:report -->\n## 🔒 Dockyard: policy and lint passed; not built or scanned until a maintainer approves\n')).toBe(true);
    expect(waitingBody).toContain(
      '> **Not built or scanned yet.** This pull request comes from a fork, so Dockyard builds it only after someone with write access has reviewed this exact commit and commented `/dockyard build ec26c3e`. Every new push needs a new approval. Until then this check asks for action and does not pass.',
    );
    expect(waitingBody).not.toContain('build and scan</summary>');

    // Someone without write access asks: refused, nothing built.
    const comment = payload<Record<string, unknown> & { issue: Record<string, unknown>; comment: { body: string; user: { login: string } } }>('issue_comment', 'created');
    comment.issue['number'] = 2;
    comment.issue['pull_request'] = { url: `https://api.github.com${repoPath}/pulls/2` };
    comment.comment.body = '/dockyard build';
    // Written a minute after GitHub showed this head: the approval is for the commit the maintainer saw.
    (comment.comment as Record<string, unknown>)['created_at'] = new Date(Date.parse(String((fork.pull_request as Record<string, unknown>)['updated_at'])) + 60_000).toISOString();
    h.github.get(`${repoPath}/collaborators/${comment.comment.user.login}/permission`).reply(200, { permission: 'read', role_name: 'read' });
    const replies: { body: string }[] = [];
    h.github.post(`${repoPath}/issues/2/comments`, capture(replies)).reply(201, { id: 9 });
    await h.probot.receive({ id: 'c1', name: 'issue_comment', payload: comment } as never);
    expectAllRequestsMade(h);
    expect(replies[0]?.body).toBe(
      `@${comment.comment.user.login} only people with write access to Codertocat/Hello-World can approve building a pull request from a fork. Ask a maintainer to comment \`/dockyard build\`.`,
    );

    // A maintainer approves: the queue checks this head commit again, on a new check run, and builds it.
    h.github.get(`${repoPath}/collaborators/${comment.comment.user.login}/permission`).reply(200, { permission: 'write', role_name: 'write' });
    h.github.get(`${repoPath}/pulls/2`).reply(200, { number: 2, head: { sha: headSha, repo: { id: fork.pull_request.head.repo.id } } });
    const approved = mockCheckStart(h, repo);
    await mockBuildDownloads(h, repo);
    await h.probot.receive({ id: 'c2', name: 'issue_comment', payload: comment } as never);
    await h.services.queue.idle();
    expectAllRequestsMade(h);
    expect(approved.updates[0]?.conclusion).toBe('failure');
    expect(approved.updates[0]?.output.title).toBe('Dockyard: 1 problem must be fixed: 1 image over the scan gate');
    expect(approved.comments[0]?.body).toContain('<details><summary><b>base</b>: build and scan</summary>');
    expect(approved.comments[0]?.body).toContain('CVE-2099-0001');
  }, 600_000);

  it('reuses the pull request\'s build on merge when the inputs are the same, instead of building again', async () => {
    const h = harness();
    const builds = h.services.builds;
    if (!builds) throw new Error('the harness wires builds');
    const built: string[] = [];
    const buildImage = builds.ports.buildImage;
    builds.ports.buildImage = async (request) => {
      built.push(request.image);
      return buildImage(request);
    };
    try {
      // The tar advisory is waived, so the pull request's build passes the gate and may be reused.
      const withWaiver = { ...files(h), '.trivyignore': 'CVE-2099-0001\n' };
      const head = new FakeRepository(headSha, withWaiver);
      const { updates } = mockCheckStart(h, head);
      await mockBuildDownloads(h, head, 'CVE-2099-0001\n');
      await h.probot.receive({ id: 'r1', name: 'pull_request', payload: payload('pull_request', 'reopened') } as never);
      await h.services.queue.idle();
      expectAllRequestsMade(h);
      expect(updates[0]?.conclusion).toBe('success');
      expect(built).toEqual(['base']);

      const merge = new FakeRepository('9999999999999999999999999999999999999999', withWaiver);
      const publish = await mockPublishRequests(h, merge, '8888888888888888888888888888888888888888', [{ filename: 'images/base/Dockerfile', status: 'modified' }]);
      await h.probot.receive({ id: 'r2', name: 'push', payload: pushEvent('8888888888888888888888888888888888888888', merge.sha) } as never);
      await h.services.queue.idle();
      expectAllRequestsMade(h);
      expect(publish.updates[0]?.output.title).toBe('Dockyard: published 1 image');
      expect(built).toEqual(['base']);
      const auth = { registry: h.ci.host, username: h.ci.user, password: h.ci.password };
      const base = await readTag(h.ci.url, auth, `${h.prefix}/base`, `sha-${merge.sha}`);
      if (base?.kind !== 'image') throw new Error('base must be published');
      // The reused image says which commit built it.
      const labels = (await readImageConfig(h.ci.url, auth, `${h.prefix}/base`, base.configDigest)).config?.Labels ?? {};
      expect(labels['org.opencontainers.image.revision']).toBe(headSha);
    } finally {
      builds.ports.buildImage = buildImage;
    }
  }, 600_000);
});
