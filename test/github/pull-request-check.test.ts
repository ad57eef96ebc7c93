import type { Probot } from 'probot';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { createDockyard } from '../../src/index.ts';
import { JobQueue } from '../../src/jobs/job-queue.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { testProbot } from '../mocks/test-probot.ts';
import { setDocsUrl } from '../../src/domain/report/links.ts';
import { mockCatalogTree, mockComments, mockFile, mockInstallationToken, mockPullFiles, repoPath } from '../mocks/github-api.ts';
import { useGitHubNock } from '../mocks/github-nock.ts';
import { badPython, base, dockyardYml, python } from '../mocks/repository-fixtures.ts';
import { payload as examplePayload } from '../mocks/webhook-payload.ts';

type Example = { action?: string; installation?: { id: number } } & Record<string, unknown>;
const payload = (event: string, action: string) => examplePayload<Example>(event, action);

const headSha = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const config = dockyardYml();

const { github, unmatched } = useGitHubNock();
let probot: Probot;
let queue: JobQueue;

beforeAll(() => {
  setDocsUrl('https://dockyard.example.com/docs');
  process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
});

beforeEach(async () => {
  probot = testProbot();
  // Policy and lint only: this app has no Docker engine, as when Dockyard runs without one.
  const store = new StateStore(':memory:');
  queue = new JobQueue(store, {}, pino({ level: 'silent' }), { backoffMs: () => 0, maxAttempts: 2 });
  await probot.load(createDockyard({ store, queue }), { cwd: process.cwd(), addHandler: () => undefined });
});

afterEach(() => {
  queue.stop();
  expect(unmatched).toEqual([]);
  expect(github.pendingMocks()).toEqual([]);
});

/** Records the JSON bodies sent to one endpoint, in order. */
function capture(bodies: unknown[]) {
  return (body: unknown) => {
    bodies.push(body);
    return true;
  };
}

/**
 * The check run made queued when the delivery is recorded, and marked in progress when its job starts;
 * a check run outside the queue (a re-run) starts in progress.
 */
function mockCheckRunStart(inline = false): void {
  if (inline) {
    github.post(`${repoPath}/check-runs`, { name: 'Dockyard', head_sha: headSha, status: 'in_progress' }).reply(201, { id: 42, html_url: 'https://github.com/Codertocat/Hello-World/runs/42' });
    return;
  }
  github
    .post(`${repoPath}/check-runs`, { name: 'Dockyard', head_sha: headSha, status: 'queued' })
    .reply(201, { id: 42, html_url: 'https://github.com/Codertocat/Hello-World/runs/42' });
  github.patch(`${repoPath}/check-runs/42`, { status: 'in_progress' }).reply(200, {});
}

/** Delivers an event, then waits for the queue to finish what it recorded. */
async function deliver(id: string, name: string, event: unknown): Promise<void> {
  await probot.receive({ id, name, payload: event } as never);
  await queue.idle();
}

/** The repository's settings on the default branch; hadolint's config ignores DL3066 as the bundled one does. */
function mockDefaultBranchFiles(dockyardYml: string | null, hadolint: string | null | 'skip' = 'ignored: [DL3066]\n'): void {
  mockInstallationToken(github);
  mockFile(github, '.github/dockyard.yml', 'master', dockyardYml);
  if (dockyardYml === null || hadolint === 'skip') return;
  mockFile(github, '.hadolint.yaml', 'master', hadolint);
  if (hadolint === null) mockFile(github, '.hadolint.yml', 'master', null);
}

describe('pull_request events', () => {
  it('fails the check on an unapproved parent, annotates the line and creates the one comment', async () => {
    mockDefaultBranchFiles(config);
    mockPullFiles(github, 2, [{ filename: 'images/python/Dockerfile', status: 'modified' }]);
    mockCheckRunStart();
    mockCatalogTree(github, headSha, { 'base/Dockerfile': base, 'python/Dockerfile': badPython });
    const updates: unknown[] = [];
    github.patch(`${repoPath}/check-runs/42`, capture(updates)).reply(200, {});
    mockComments(github, 2, [{ id: 7, body: 'Looks good to me', type: 'User' }]);
    const comments: { body: string }[] = [];
    github.post(`${repoPath}/issues/2/comments`, capture(comments)).reply(201, { id: 8 });

    await deliver('d1', 'pull_request', payload('pull_request', 'opened'));

    const allowed =
      'Allowed: a catalog image as `FROM ${REGISTRY}/jenkins-agents/<name>` (123456789012.dkr.ecr.eu-west-1.amazonaws.com/jenkins-agents/<name>; images: `base`, `python`), or an approved upstream: `docker.io/jenkins/inbound-agent` (digest pin required).';
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: {
        title: 'Dockyard: 1 finding must be fixed',
        annotations: [
          {
            path: 'images/python/Dockerfile',
            start_line: 2,
            end_line: 2,
            annotation_level: 'failure',
            title: 'DY001 (Dockyard error, fails the check) in python',
            message: `\`docker.io/library/ubuntu:22.04\` is not an approved parent. ${allowed}\n\nhttps://dockyard.example.com/docs/rules/DY001.md`,
          },
        ],
      },
    });
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? '';
    expect(body.startsWith('<!-- dockyard:report -->\n## ❌ Dockyard: 1 finding must be fixed\n')).toBe(true);
    expect(body).toContain('| python (changed) | `ubuntu:22.04` ❌ not approved | ❌ 1 |');
    // What to fix comes first, linked to the line at the head commit and to the rule's page.
    expect(body.split('\n').slice(3, 5)).toEqual([
      '- **python** (changed)',
      `  - ❌ [\`images/python/Dockerfile:2\`](https://github.com/Codertocat/Hello-World/blob/${headSha}/images/python/Dockerfile#L2) **[DY001](https://dockyard.example.com/docs/rules/DY001.md)** (Dockyard error) \`docker.io/library/ubuntu:22.04\` is not an approved parent. ${allowed.replace('/<name>;', '/\\<name\\>;')}`,
    ]);
    expect(body).toContain('```mermaid\ngraph TD\n  n0["python"]:::failing\n  n1["docker.io/library/ubuntu:22.04 (not approved)"]:::refused\n  n1 -.-> n0\n');
    expect((updates[0] as { output: { summary: string } }).output.summary).toBe(body.replace('<!-- dockyard:report -->\n', ''));
  });

  it('edits its existing comment on a new push, and passes when the parent is fixed', async () => {
    mockDefaultBranchFiles(config);
    mockPullFiles(github, 2, [{ filename: 'images/python/Dockerfile', status: 'modified' }]);
    mockCheckRunStart();
    mockCatalogTree(github, headSha, { 'base/Dockerfile': base, 'python/Dockerfile': python, 'python/image.yml': 'label: python\n' });
    const updates: { conclusion?: string; output: { title: string } }[] = [];
    github.patch(`${repoPath}/check-runs/42`, capture(updates)).reply(200, {});
    mockComments(github, 2, [
      { id: 7, body: 'Looks good to me', type: 'User' },
      { id: 9, body: '<!-- dockyard:report -->\nold report' },
    ]);
    const edits: { body: string }[] = [];
    github.patch(`${repoPath}/issues/comments/9`, capture(edits)).reply(200, { id: 9 });

    await deliver('d2', 'pull_request', payload('pull_request', 'synchronize'));

    expect(updates.map((update) => [update.conclusion, update.output.title])).toEqual([['success', 'Dockyard: all checks passed']]);
    expect(edits).toHaveLength(1);
    expect(edits[0]?.body).toContain('| python (changed) | `base` ✅ | — |');
  });

  it('passes at once, without a comment, a pull request that touches neither the catalog nor the config', async () => {
    mockDefaultBranchFiles(config, 'skip');
    mockPullFiles(github, 2, [{ filename: 'README.md', status: 'modified' }]);
    mockCheckRunStart();
    const updates: unknown[] = [];
    github.patch(`${repoPath}/check-runs/42`, capture(updates)).reply(200, {});

    await deliver('d3', 'pull_request', payload('pull_request', 'reopened'));

    // A required `Dockyard` check must not wait forever on a change it has nothing to say about.
    expect(updates).toEqual([
      {
        status: 'completed',
        conclusion: 'success',
        output: {
          title: 'Dockyard: no catalog change',
          summary: 'This pull request changes nothing under `images/`, nor `.github/dockyard.yml` or the hadolint settings, so there is nothing for Dockyard to check or build.',
        },
      },
    ]);
  });

  it('sends annotations in batches of 50: the first with the completion, the rest in updates', async () => {
    mockDefaultBranchFiles(config);
    mockPullFiles(github, 2, [{ filename: 'images/python/Dockerfile', status: 'modified' }]);
    mockCheckRunStart();
    // 60 instructions hadolint flags (MAINTAINER is deprecated: DL4000), each its own finding.
    const noisy = `${python}${'MAINTAINER someone\n'.repeat(60)}`;
    mockCatalogTree(github, headSha, { 'base/Dockerfile': base, 'python/Dockerfile': noisy });
    const updates: { status?: string; conclusion?: string; output: { annotations: { start_line: number; title: string }[] } }[] = [];
    github.patch(`${repoPath}/check-runs/42`, capture(updates)).times(2).reply(200, {});
    mockComments(github, 2, []);
    github.post(`${repoPath}/issues/2/comments`).reply(201, { id: 8 });

    await deliver('d4', 'pull_request', payload('pull_request', 'opened'));

    expect(updates.map((update) => [update.status, update.conclusion, update.output.annotations.length])).toEqual([
      ['completed', 'failure', 50],
      [undefined, undefined, 10],
    ]);
    expect(updates.flatMap((update) => update.output.annotations.map((annotation) => annotation.start_line))).toEqual(
      Array.from({ length: 60 }, (_, index) => index + 4),
    );
    expect(updates[1]?.output.annotations[0]?.title).toBe('DL4000 (hadolint error, fails the check) in python');
  });

  it('reports an invalid config on the default branch with its file, field and line', async () => {
    mockDefaultBranchFiles(`${config}lint:\n  failureThreshold: loud\n`, 'skip');
    mockPullFiles(github, 2, [{ filename: 'images/python/Dockerfile', status: 'modified' }]);
    mockCheckRunStart();
    const updates: { conclusion: string; output: { title: string; annotations: object[] } }[] = [];
    github.patch(`${repoPath}/check-runs/42`, capture(updates)).reply(200, {});
    mockComments(github, 2, []);
    const comments: { body: string }[] = [];
    github.post(`${repoPath}/issues/2/comments`, capture(comments)).reply(201, { id: 8 });

    await deliver('d5', 'pull_request', payload('pull_request', 'opened'));

    expect(updates[0]?.conclusion).toBe('failure');
    expect(updates[0]?.output.title).toBe('Dockyard: invalid config on the default branch');
    expect(updates[0]?.output.annotations).toEqual([
      {
        path: '.github/dockyard.yml',
        start_line: 9,
        end_line: 9,
        annotation_level: 'failure',
        title: 'Invalid config: lint.failureThreshold',
        message: expect.stringContaining('"error"') as unknown as string,
      },
    ]);
    expect(comments[0]?.body).toContain('- `.github/dockyard.yml:9` **lint.failureThreshold**: ');
  });

  it('gives a neutral result that says how to fix it when hadolint is missing', async () => {
    const saved = process.env['DOCKYARD_HADOLINT'];
    process.env['DOCKYARD_HADOLINT'] = '/nonexistent/hadolint';
    try {
      mockDefaultBranchFiles(config);
      mockPullFiles(github, 2, [{ filename: 'images/python/Dockerfile', status: 'modified' }]);
      mockCheckRunStart();
      mockCatalogTree(github, headSha, { 'base/Dockerfile': base, 'python/Dockerfile': python });
      const updates: { conclusion: string; output: { title: string; summary: string } }[] = [];
      github.patch(`${repoPath}/check-runs/42`, capture(updates)).reply(200, {});
      mockComments(github, 2, []);
      github.post(`${repoPath}/issues/2/comments`).reply(201, { id: 8 });

      await deliver('d6', 'pull_request', payload('pull_request', 'opened'));

      expect(updates[0]?.conclusion).toBe('neutral');
      expect(updates[0]?.output.title).toBe('Dockyard: policy passed, lint did not run');
      expect(updates[0]?.output.summary).toContain('> Lint did not run:\n> ```text\n');
      expect(updates[0]?.output.summary).toContain('DOCKYARD_HADOLINT');
    } finally {
      process.env['DOCKYARD_HADOLINT'] = saved;
    }
  });

  it('keeps the check run waiting while GitHub fails, tries again, and ends it with a clear failure after the last attempt', async () => {
    const updates: { status?: string; conclusion?: string; output?: { title: string; summary: string } }[] = [];
    mockCheckRunStart();
    mockInstallationToken(github);
    for (let attempt = 0; attempt < 2; attempt++) {
      mockFile(github, '.github/dockyard.yml', 'master', config);
      mockPullFiles(github, 2, [{ filename: 'images/python/Dockerfile', status: 'modified' }]);
      mockFile(github, '.hadolint.yaml', 'master', 'ignored: [DL3066]\n');
      github.get(`${repoPath}/git/trees/${headSha}`).reply(502, { message: 'Server Error' });
    }
    github.patch(`${repoPath}/check-runs/42`, capture(updates)).times(3).reply(200, {});

    await deliver('d7', 'pull_request', payload('pull_request', 'opened'));

    expect(updates.map((update) => [update.status, update.conclusion, update.output?.title])).toEqual([
      ['in_progress', undefined, 'Dockyard: waiting to try again'],
      ['in_progress', undefined, undefined],
      ['completed', 'failure', 'Dockyard could not finish the check'],
    ]);
    expect(updates[0]?.output?.summary).toContain('Dockyard tries again on its own');
    expect(updates[2]?.output?.summary).toContain('Re-run the check from the Checks tab');
  });

  it('reports a symlinked Dockerfile and a folder without one, and keeps checking the rest', async () => {
    mockDefaultBranchFiles(config);
    mockPullFiles(github, 2, [
      { filename: 'images/linked/Dockerfile', status: 'added' },
      { filename: 'images/empty/README.md', status: 'added' },
    ]);
    mockCheckRunStart();
    mockCatalogTree(github, headSha, {
      'base/Dockerfile': base,
      'linked/Dockerfile': { symlink: '../../../etc/passwd' },
      'empty/README.md': 'nothing here',
    });
    const updates: { conclusion: string; output: { annotations: { path: string; title: string }[] } }[] = [];
    github.patch(`${repoPath}/check-runs/42`, capture(updates)).reply(200, {});
    mockComments(github, 2, []);
    github.post(`${repoPath}/issues/2/comments`).reply(201, { id: 8 });

    await deliver('d8', 'pull_request', payload('pull_request', 'opened'));

    expect(updates[0]?.conclusion).toBe('failure');
    expect(updates[0]?.output.annotations.map((annotation) => [annotation.path, annotation.title])).toEqual([
      ['images/empty', 'DY017 (Dockyard error, fails the check) in empty'],
      ['images/linked/Dockerfile', 'DY018 (Dockyard error, fails the check) in linked'],
    ]);
  });
});

describe('check_run rerequested', () => {
  it('records a new check of the re-run check\'s commit, which the queue runs on a new check run', async () => {
    const event = payload('check_run', 'rerequested') as Example & {
      check_run: { name: string; head_sha: string; pull_requests: object[] };
      repository: { id: number; owner: { login: string }; name: string; default_branch: string };
    };
    // The example re-requests another app's run on another repository; point it at ours.
    event.check_run.name = 'Dockyard';
    event.check_run.head_sha = headSha;
    event.check_run.pull_requests = [
      { number: 2, head: { ref: 'changes', sha: headSha, repo: { id: event.repository.id } }, base: { ref: 'master', sha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e', repo: { id: event.repository.id } } },
    ];
    event.repository.owner.login = 'Codertocat';
    event.repository.name = 'Hello-World';
    event.repository.default_branch = 'master';
    mockDefaultBranchFiles(config);
    mockPullFiles(github, 2, [{ filename: 'images/base/Dockerfile', status: 'modified' }]);
    mockCheckRunStart();
    mockCatalogTree(github, headSha, { 'base/Dockerfile': base });
    const updates: { conclusion: string }[] = [];
    github.patch(`${repoPath}/check-runs/42`, capture(updates)).reply(200, {});
    mockComments(github, 2, []);
    github.post(`${repoPath}/issues/2/comments`).reply(201, { id: 8 });

    await deliver('d9', 'check_run', event);

    expect(updates[0]?.conclusion).toBe('success');
    // Redelivered, the same re-run records nothing more.
    await deliver('d9', 'check_run', event);
  });
});
