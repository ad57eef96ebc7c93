import nock from 'nock';
import pino from 'pino';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { publishCommit, type PublishDeps } from '../../src/jobs/publish-commit.ts';
import { api, mockFile, repoPath } from '../mocks/github-api.ts';
import { testOctokit } from '../mocks/test-probot.ts';

// A merge that breaks `.github/dockyard.yml`: the commit gets a failing `Dockyard` check run and the
// merged pull request a note, instead of a publish job that gives up with a log line only.

const octokit = testOctokit();
const after = 'c'.repeat(40);

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

it('reports an invalid config merged to the default branch on the commit and on the merged pull request', async () => {
  const github = nock(api);
  mockFile(github, '.github/dockyard.yml', after, 'catalog: images\nregistry: main\nprefix: agents\nlint:\n  failureThreshold: loud\n');
  const checks: unknown[] = [];
  github.post(`${repoPath}/check-runs`, (body) => checks.push(body) > 0).reply(201, { id: 7, html_url: 'https://github.com/Codertocat/Hello-World/runs/7' });
  const updates: { conclusion?: string; output?: { title: string; summary: string; annotations?: { path: string; start_line: number }[] } }[] = [];
  github.patch(`${repoPath}/check-runs/7`, (body) => updates.push(body) > 0).reply(200, {});
  github.get(`${repoPath}/commits/${after}/pulls`).reply(200, [{ number: 5, merged_at: '2026-01-01T10:00:00Z' }]);
  github.get(`${repoPath}/issues/5/comments`).query({ per_page: 100 }).reply(200, []);
  const notes: { body: string }[] = [];
  github.post(`${repoPath}/issues/5/comments`, (body) => notes.push(body) > 0).reply(201, { id: 9 });
  const store = new StateStore(':memory:');
  const deps = { octokit, log: pino({ level: 'silent' }), store, mirrors: [], operator: undefined } as unknown as PublishDeps;

  const outcome = await publishCommit(deps, { owner: 'Codertocat', repo: 'Hello-World', before: 'b'.repeat(40), after, committedAt: '2026-01-01T10:00:00Z', htmlUrl: 'https://github.com/Codertocat/Hello-World', defaultBranch: 'master' });

  expect(outcome).toEqual({ images: [], registryChanged: false });
  expect(checks).toEqual([{ name: 'Dockyard', head_sha: after, status: 'in_progress' }]);
  expect(updates[0]?.conclusion).toBe('failure');
  expect(updates[0]?.output?.title).toBe('Dockyard: invalid config on the default branch; nothing was published');
  expect(updates[0]?.output?.annotations?.map((annotation) => [annotation.path, annotation.start_line])).toEqual([['.github/dockyard.yml', 5]]);
  expect(notes).toHaveLength(1);
  expect(notes[0]?.body).toContain('<!-- dockyard:publish -->');
  expect(notes[0]?.body).toContain('`.github/dockyard.yml` at `ccccccc` on `master` is invalid, so Dockyard published nothing from this commit');
  expect(github.pendingMocks()).toEqual([]);
});
