import pino from 'pino';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { parseCommand } from '../../src/github/commands.ts';
import { createDockyard } from '../../src/index.ts';
import { JobQueue } from '../../src/jobs/job-queue.ts';
import { mockInstallationToken, repoPath } from '../mocks/github-api.ts';
import { useGitHubNock } from '../mocks/github-nock.ts';
import { testProbot } from '../mocks/test-probot.ts';
import { payload, pullRequestComment } from '../mocks/webhook-payload.ts';

type Example = Record<string, unknown>;

const repo = 'Codertocat/Hello-World';
const merged = 'a'.repeat(40);
const older = 'b'.repeat(40);
const digestOld = `sha256:${'1'.repeat(64)}`;
const digestNew = `sha256:${'2'.repeat(64)}`;

describe('parseCommand', () => {
  it('reads each command from the first line, and ignores comments that are not commands', () => {
    expect(parseCommand('/dockyard build')).toEqual({ kind: 'build' });
    expect(parseCommand('/dockyard build EC26C3E\n\nLooks good to me.')).toEqual({ kind: 'build', sha: 'ec26c3e' });
    expect(parseCommand('  /Dockyard RETRY ')).toEqual({ kind: 'retry' });
    expect(parseCommand('/dockyard help')).toEqual({ kind: 'help' });
    expect(parseCommand('/dockyard')).toEqual({ kind: 'help' });
    expect(parseCommand('/dockyard rollback python 20261130-ec26c3e')).toEqual({ kind: 'rollback', image: 'python', tag: '20261130-ec26c3e' });
    for (const body of ['please /dockyard build', '/dockyardbuild', 'LGTM\n/dockyard build', '> /dockyard build']) expect(parseCommand(body), body).toBeUndefined();
  });

  it('says which known command was written wrongly, and which word is no command', () => {
    expect(parseCommand('/dockyard build please')).toEqual({ kind: 'usage', name: 'build', usage: '/dockyard build [<sha>]' });
    expect(parseCommand('/dockyard retry now')).toEqual({ kind: 'usage', name: 'retry', usage: '/dockyard retry' });
    expect(parseCommand('/dockyard rollback python')).toEqual({ kind: 'usage', name: 'rollback', usage: '/dockyard rollback <image> <tag>' });
    expect(parseCommand('/dockyard rollback ../etc latest')).toEqual({ kind: 'usage', name: 'rollback', usage: '/dockyard rollback <image> <tag>' });
    expect(parseCommand('/dockyard deploy prod')).toEqual({ kind: 'unknown', name: 'deploy' });
  });
});

describe('comment commands and re-runs', () => {
  const { github, unmatched } = useGitHubNock();
  let probot: Probot;
  let store: StateStore;
  let queue: JobQueue;
  let ran: string[];
  /** Keys whose next run fails for good. */
  let failing: Set<string>;

  beforeEach(async () => {
    probot = testProbot();
    store = new StateStore(':memory:');
    ran = [];
    failing = new Set();
    const record = async (_payload: unknown, job: { key: string }) => {
      if (failing.delete(job.key)) throw new Error('ECR was down');
      ran.push(job.key);
    };
    queue = new JobQueue(store, { publish: record, register: record, rollback: record }, pino({ level: 'silent' }), { maxAttempts: 1 });
    await probot.load(createDockyard({ store, queue }), { cwd: process.cwd(), addHandler: () => undefined });
    mockInstallationToken(github);
  });

  afterEach(() => {
    queue.stop();
    expect(unmatched).toEqual([]);
    expect(github.pendingMocks()).toEqual([]);
  });

  function replies(): string[] {
    const bodies: string[] = [];
    github.post(`${repoPath}/issues/2/comments`, (body: { body: string }) => bodies.push(body.body) > 0).reply(201, { id: 9 });
    return bodies;
  }

  const writer = (login = 'Codertocat', permission = 'write') =>
    github.get(`${repoPath}/collaborators/${login}/permission`).reply(200, { permission, role_name: permission });

  /** A publish job given up on, and its registration done: what a merged pull request left behind. */
  async function givenUpPublish(): Promise<void> {
    failing.add(`publish:${repo}:${merged}`);
    queue.enqueue('publish', `publish:${repo}:${merged}`, {}, repo);
    queue.enqueue('register', `register:${repo}:${merged}`, {}, repo);
    await queue.idle();
    expect(store.job(`publish:${repo}:${merged}`)).toMatchObject({ state: 'gave-up', lastError: 'ECR was down' });
    ran.length = 0;
  }

  it('lists the commands to anyone who asks', async () => {
    const bodies = replies();
    await probot.receive({ id: 'h1', name: 'issue_comment', payload: pullRequestComment('/dockyard help') } as never);
    expect(bodies).toEqual([
      [
        "@Codertocat Dockyard's commands, each in a comment of its own:",
        '',
        "- `/dockyard build [<sha>]`: approve building this pull request's head (needed for a fork; write access)",
        '- `/dockyard retry`: run again what failed: the check of an open pull request, the publish and Jenkins registration of a merged one (write access)',
        '- `/dockyard rollback <image> <tag>`: point `latest` and the Jenkins template of an image back at a tag Dockyard published before (write access)',
        '- `/dockyard help`: list these commands',
      ].join('\n'),
    ]);
  });

  it('answers an unknown command without echoing it as Markdown or mentions', async () => {
    const bodies = replies();
    await probot.receive({ id: 'u1', name: 'issue_comment', payload: pullRequestComment('/dockyard @org/admins<img>`x') } as never);
    // A code span: GitHub renders it as the text it is, and finds no mention or HTML in it.
    expect(bodies).toEqual(['@Codertocat ``/dockyard @org/admins<img>`x`` is not a Dockyard command. Comment `/dockyard help` to list them.']);
  });

  it('shows how a known command is written when its arguments are wrong', async () => {
    const bodies = replies();
    await probot.receive({ id: 'u2', name: 'issue_comment', payload: pullRequestComment('/dockyard rollback python') } as never);
    expect(bodies).toEqual(['@Codertocat that is not how `/dockyard rollback` is written: `/dockyard rollback <image> <tag>`. Comment `/dockyard help` to list the commands.']);
  });

  it('re-queues the given-up publish of a merged pull request on /dockyard retry, and leaves the finished registration', async () => {
    await givenUpPublish();
    writer();
    github.get(`${repoPath}/pulls/2`).reply(200, { number: 2, state: 'closed', merged: true, merge_commit_sha: merged, head: { sha: older, repo: { id: 1 } } });
    const bodies = replies();

    await probot.receive({ id: 'r1', name: 'issue_comment', payload: pullRequestComment('/dockyard retry') } as never);
    await queue.idle();

    expect(bodies).toEqual(['@Codertocat running the publish of `aaaaaaa` again; the checks on that commit show the result.']);
    expect(ran).toEqual([`publish:${repo}:${merged}`]);
    expect(store.job(`publish:${repo}:${merged}`)?.state).toBe('done');
  });

  it('runs a finished publish again when an image of the commit failed to publish', async () => {
    queue.enqueue('publish', `publish:${repo}:${merged}`, {}, repo);
    await queue.idle();
    store.recordPublish({ repo, commit: merged, image: 'python', status: 'failed', error: 'tag conflict' });
    ran.length = 0;
    writer();
    github.get(`${repoPath}/pulls/2`).reply(200, { number: 2, state: 'closed', merged: true, merge_commit_sha: merged, head: { sha: older, repo: { id: 1 } } });
    const bodies = replies();

    await probot.receive({ id: 'r2', name: 'issue_comment', payload: pullRequestComment('/dockyard retry') } as never);
    await queue.idle();

    expect(ran).toEqual([`publish:${repo}:${merged}`]);
    expect(bodies[0]).toContain('running the publish of `aaaaaaa` again');
  });

  it('says when nothing failed, and re-queues nothing', async () => {
    queue.enqueue('publish', `publish:${repo}:${merged}`, {}, repo);
    await queue.idle();
    ran.length = 0;
    writer();
    github.get(`${repoPath}/pulls/2`).reply(200, { number: 2, state: 'closed', merged: true, merge_commit_sha: merged, head: { sha: older, repo: { id: 1 } } });
    const bodies = replies();

    await probot.receive({ id: 'r3', name: 'issue_comment', payload: pullRequestComment('/dockyard retry') } as never);

    expect(bodies).toEqual(['@Codertocat nothing failed for `aaaaaaa`: there is nothing to retry. To run a check again anyway, use Re-run on it.']);
    expect(ran).toEqual([]);
  });

  it('refuses /dockyard retry and /dockyard rollback from someone without write access', async () => {
    await givenUpPublish();
    writer('Codertocat', 'read');
    writer('Codertocat', 'read');
    const bodies = replies();
    github.post(`${repoPath}/issues/2/comments`, (body: { body: string }) => bodies.push(body.body) > 0).reply(201, { id: 10 });

    await probot.receive({ id: 'r4', name: 'issue_comment', payload: pullRequestComment('/dockyard retry') } as never);
    await probot.receive({ id: 'r5', name: 'issue_comment', payload: pullRequestComment('/dockyard rollback python 20261130-bbbbbbb') } as never);

    expect(bodies).toEqual([
      `@Codertocat only people with write access to ${repo} can retry Dockyard's checks and publishing. Ask a maintainer to comment \`/dockyard retry\`.`,
      `@Codertocat only people with write access to ${repo} can roll an image back.`,
    ]);
    expect(ran).toEqual([]);
    expect(store.job(`publish:${repo}:${merged}`)?.state).toBe('gave-up');
  });

  it('records a rollback to a tag this catalog published, once per comment', async () => {
    store.recordPublish({ repo, commit: older, image: 'python', status: 'published', repository: 'r.example/agents/python', tags: ['20261130-bbbbbbb', `sha-${older}`], digest: digestOld });
    store.setPublishedImage({ repo, image: 'python', repository: 'r.example/agents/python', digest: digestNew, label: 'python', commit: merged });
    writer();
    writer();
    const bodies = replies();
    const event = pullRequestComment('/dockyard rollback python 20261130-bbbbbbb');

    await probot.receive({ id: 'b1', name: 'issue_comment', payload: event } as never);
    await probot.receive({ id: 'b1', name: 'issue_comment', payload: event } as never);
    await queue.idle();

    expect(bodies).toEqual(['@Codertocat rolling back `python` to `20261130-bbbbbbb`; Dockyard reports here when it is done.']);
    const key = `rollback:${repo}:python:${String(event.comment['id'])}`;
    expect(ran).toEqual([key]);
    expect(store.job(key)?.payload).toEqual({
      owner: 'Codertocat',
      repo: 'Hello-World',
      image: 'python',
      tag: '20261130-bbbbbbb',
      requestedBy: 'Codertocat',
      installationId: 1,
      defaultBranch: 'master',
      issue: 2,
    });
  });

  it('refuses a rollback to a tag this catalog never published, at once', async () => {
    store.setPublishedImage({ repo, image: 'python', repository: 'r.example/agents/python', digest: digestNew, label: 'python', commit: merged });
    writer();
    const bodies = replies();

    await probot.receive({ id: 'b2', name: 'issue_comment', payload: pullRequestComment('/dockyard rollback python 3.12') } as never);

    expect(bodies).toEqual([
      '@Codertocat Dockyard did not roll back: `python:3.12` was never published by this catalog; only a tag Dockyard published from the default branch can be rolled back to.',
    ]);
    expect(store.jobs()).toEqual([]);
  });

  function rerun(name: string, sender = 'octocat') {
    const event = payload('check_run', 'rerequested') as Example & {
      check_run: { name: string; head_sha: string; pull_requests: object[] };
      repository: { owner: { login: string }; name: string; full_name: string; default_branch: string };
      sender: { login: string };
    };
    event.check_run.name = name;
    event.check_run.head_sha = merged;
    event.repository.owner.login = 'Codertocat';
    event.repository.name = 'Hello-World';
    event.repository.full_name = repo;
    event.sender.login = sender;
    return event;
  }

  it('re-runs the given-up publish of a commit when its Dockyard publish check is re-run by someone with write access', async () => {
    await givenUpPublish();
    writer('octocat', 'admin');

    await probot.receive({ id: 'c1', name: 'check_run', payload: rerun('Dockyard publish') } as never);
    await queue.idle();

    expect(ran).toEqual([`publish:${repo}:${merged}`]);
    expect(store.job(`publish:${repo}:${merged}`)).toMatchObject({ state: 'done', attempts: 0 });
  });

  it('ignores a re-run asked for by someone without write access (any app may ask through the API)', async () => {
    await givenUpPublish();
    github.get(`${repoPath}/collaborators/some-app%5Bbot%5D/permission`).reply(404, { message: 'Not Found' });
    writer('reader', 'read');

    await probot.receive({ id: 'c2', name: 'check_run', payload: rerun('Dockyard publish', 'some-app[bot]') } as never);
    await probot.receive({ id: 'c3', name: 'check_run', payload: rerun('Dockyard Jenkins', 'reader') } as never);
    await queue.idle();

    expect(ran).toEqual([]);
    expect(store.job(`publish:${repo}:${merged}`)?.state).toBe('gave-up');
  });

  it('re-runs the Jenkins registration of the commit, recording one when there was none', async () => {
    writer('octocat', 'write');

    await probot.receive({ id: 'c4', name: 'check_run', payload: rerun('Dockyard Jenkins') } as never);
    await queue.idle();

    expect(ran).toEqual([`register:${repo}:${merged}`]);
    expect(store.job(`register:${repo}:${merged}`)?.payload).toEqual({ owner: 'Codertocat', repo: 'Hello-World', commit: merged, installationId: expect.any(Number) });
  });
});
