import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import pino from 'pino';
import type { Probot } from 'probot';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import Dockerode from 'dockerode';
import { detectFrontend } from '../../src/adapters/docker/detect-frontend.ts';
import { pullImage } from '../../src/adapters/docker/image-store.ts';
import { scanImage } from '../../src/adapters/trivy/run-trivy.ts';
import { OutsideError } from '../../src/errors.ts';
import { createDockyard } from '../../src/index.ts';
import type { PullRequestBuildDeps } from '../../src/jobs/check-pull-request.ts';
import { JobQueue, type JobQueueOptions } from '../../src/jobs/job-queue.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { FakeRepository } from '../integration/harness.ts';
import { succeedingBuildPorts } from '../jobs/job-fixtures.ts';
import { mockCatalogTree, mockComments, mockFile, mockInstallationToken, mockPullFiles, repoPath } from '../mocks/github-api.ts';
import { useGitHubNock } from '../mocks/github-nock.ts';
import { badPython, base, dockyardYml, ecrHost, python } from '../mocks/repository-fixtures.ts';
import { testProbot } from '../mocks/test-probot.ts';
import { payload } from '../mocks/webhook-payload.ts';

// Pull request checks run from the durable queue: webhooks only record them. GitHub through nock,
// Probot in process, the state in a SQLite file so a "restart" opens the same one.

type PullRequestEvent = { action: string; installation: { id: number }; pull_request: { number: number; updated_at: string; head: { sha: string } } } & Record<string, unknown>;

function synchronize(sha: string, updatedAt: string): PullRequestEvent {
  const event = payload<PullRequestEvent>('pull_request', 'synchronize');
  event.pull_request.head.sha = sha;
  event.pull_request.updated_at = updatedAt;
  return event;
}

const shaA = 'a'.repeat(40);
const shaB = 'b'.repeat(40);
const config = dockyardYml();

const { github, unmatched, bodies } = useGitHubNock();
let dir: string;
const open: { probot: Probot; queue: JobQueue; store: StateStore }[] = [];

beforeAll(() => {
  process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dockyard-pr-queue-'));
});

afterEach(() => {
  for (const app of open.splice(0)) app.queue.stop();
  expect(unmatched).toEqual([]);
  expect(github.pendingMocks()).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

/** Starts Dockyard over the state file in `dir`, as a process start does; policy and lint only unless `builds`. */
async function startApp(options: JobQueueOptions = {}, builds?: (store: StateStore) => PullRequestBuildDeps) {
  const store = new StateStore(path.join(dir, 'dockyard.sqlite'));
  const queue = new JobQueue(store, {}, pino({ level: 'silent' }), { backoffMs: () => 60_000, ...options });
  const probot = testProbot();
  await probot.load(createDockyard({ store, queue, ...(builds ? { builds: builds(store) } : {}) }), { cwd: process.cwd(), addHandler: () => undefined });
  const app = { probot, queue, store };
  open.push(app);
  return app;
}

function receive(probot: Probot, id: string, event: PullRequestEvent): Promise<void> {
  return probot.receive({ id, name: 'pull_request', payload: event } as never);
}

function mockQueuedCheckRun(sha: string, id: number): void {
  github.post(`${repoPath}/check-runs`, { name: 'Dockyard', head_sha: sha, status: 'queued' }).reply(201, { id, html_url: `https://github.com/Codertocat/Hello-World/runs/${id}` });
}

/** Everything a policy-and-lint check of `sha` reads, with `python` as its changed Dockerfile. */
function mockCheckReads(sha: string, pythonDockerfile = python, changed = ['images/python/Dockerfile'], configText = config): void {
  mockFile(github, '.github/dockyard.yml', 'master', configText);
  mockPullFiles(github, 2, changed.map((filename) => ({ filename, status: 'modified' })));
  mockFile(github, '.hadolint.yaml', 'master', 'ignored: [DL3066]\n');
  mockCatalogTree(github, sha, { 'base/Dockerfile': base, 'python/Dockerfile': pythonDockerfile });
}

type CheckRunUpdate = { status?: string; conclusion?: string; output?: { title: string; summary: string; annotations?: { title: string }[] } };

/**
 * Delivers head A of pull request 2 once and lets the queue check it, `reads` mocking what the check reads
 * besides the check run and the comment; returns the check run's updates and the comments posted.
 */
async function checkOnce(app: { probot: Probot; queue: JobQueue }, reads: () => unknown): Promise<{ updates: CheckRunUpdate[]; comments: { body: string }[] }> {
  mockInstallationToken(github);
  mockQueuedCheckRun(shaA, 42);
  const updates = bodies<CheckRunUpdate>('PATCH', '/check-runs/42');
  github.patch(`${repoPath}/check-runs/42`).times(2).reply(200, {});
  await reads();
  mockComments(github, 2, []);
  const comments = bodies<{ body: string }>('POST', '/issues/2/comments');
  github.post(`${repoPath}/issues/2/comments`).reply(201, { id: 8 });
  await receive(app.probot, 'push-a', synchronize(shaA, '2026-01-01T10:00:00Z'));
  await app.queue.idle();
  return { updates, comments };
}

describe('recording pull request checks', () => {
  it('makes one check run and one job of the same delivery received ten times', async () => {
    const { probot, queue, store } = await startApp();
    mockInstallationToken(github);
    mockQueuedCheckRun(shaA, 42);
    const updates = bodies<{ status?: string; conclusion?: string }>('PATCH', '/check-runs/42');
    github.patch(`${repoPath}/check-runs/42`).times(2).reply(200, {});
    mockCheckReads(shaA);
    mockComments(github, 2, []);
    github.post(`${repoPath}/issues/2/comments`).reply(201, { id: 8 });

    const event = synchronize(shaA, '2026-01-01T10:00:00Z');
    await Promise.all(Array.from({ length: 10 }, () => receive(probot, 'same-delivery', event)));
    await queue.idle();

    expect(store.jobs().map((job) => [job.kind, job.key, job.state])).toEqual([['pr-check', `pr-check:Codertocat/Hello-World#2@${shaA}`, 'done']]);
    expect(updates.map((update) => [update.status, update.conclusion])).toEqual([['in_progress', undefined], ['completed', 'success']]);
  });

  it('keeps one sticky comment when two pushes arrive together: the older head is superseded, the newer one reported', async () => {
    const { probot, queue } = await startApp();
    mockInstallationToken(github);
    mockQueuedCheckRun(shaA, 41);
    mockQueuedCheckRun(shaB, 42);
    const older = bodies<{ status?: string; conclusion?: string; output?: { title: string } }>('PATCH', '/check-runs/41');
    github.patch(`${repoPath}/check-runs/41`).reply(200, {});
    // The older head's job was running when the newer head came: aborted, it may conclude twice.
    github.patch(`${repoPath}/check-runs/41`).optionally().reply(200, {});
    const newer = bodies<{ status?: string; conclusion?: string }>('PATCH', '/check-runs/42');
    github.patch(`${repoPath}/check-runs/42`).times(2).reply(200, {});
    mockCheckReads(shaB);
    mockComments(github, 2, []);
    const comments = bodies<unknown>('POST', '/issues/2/comments');
    github.post(`${repoPath}/issues/2/comments`).reply(201, { id: 8 });

    await Promise.all([receive(probot, 'push-a', synchronize(shaA, '2026-01-01T10:00:00Z')), receive(probot, 'push-b', synchronize(shaB, '2026-01-01T10:00:05Z'))]);
    await queue.idle();

    expect(comments).toHaveLength(1);
    expect(older.at(-1)).toMatchObject({ status: 'completed', conclusion: 'neutral', output: { title: 'Superseded by bbbbbbb' } });
    expect(older.every((update) => JSON.stringify(update) === JSON.stringify(older[0]))).toBe(true);
    expect(newer.map((update) => [update.status, update.conclusion])).toEqual([['in_progress', undefined], ['completed', 'success']]);
  });

  it('concludes a queued older head as superseded without checking it', async () => {
    // One slot, taken by another repository's job: the older head's check waits in the queue.
    const { probot, queue } = await startApp({ concurrency: 1 });
    let release = () => {};
    queue.register('hold', () => new Promise<void>((resolve) => (release = resolve)));
    queue.enqueue('hold', 'hold', {}, 'other/repo');
    mockInstallationToken(github);
    mockQueuedCheckRun(shaA, 41);
    mockQueuedCheckRun(shaB, 42);
    const older = bodies<unknown>('PATCH', '/check-runs/41');
    github.patch(`${repoPath}/check-runs/41`).reply(200, {});
    const newer = bodies<{ conclusion?: string }>('PATCH', '/check-runs/42');
    github.patch(`${repoPath}/check-runs/42`).times(2).reply(200, {});
    mockCheckReads(shaB);
    mockComments(github, 2, []);
    github.post(`${repoPath}/issues/2/comments`).reply(201, { id: 8 });

    await receive(probot, 'push-a', synchronize(shaA, '2026-01-01T10:00:00Z'));
    await receive(probot, 'push-b', synchronize(shaB, '2026-01-01T10:00:05Z'));
    release();
    await queue.idle();

    expect(older).toEqual([
      {
        status: 'completed',
        conclusion: 'neutral',
        output: { title: 'Superseded by bbbbbbb', summary: 'A newer commit, `bbbbbbb`, is the head of this pull request now; Dockyard checks that one instead of `aaaaaaa`.' },
      },
    ]);
    expect(newer.at(-1)?.conclusion).toBe('success');
  });

  it('after a restart in the middle of a check, completes the same check run, once', async () => {
    const first = await startApp();
    mockInstallationToken(github);
    mockQueuedCheckRun(shaA, 42);
    const updates = bodies<{ status?: string; conclusion?: string }>('PATCH', '/check-runs/42');
    github.patch(`${repoPath}/check-runs/42`).times(3).reply(200, {});
    mockFile(github, '.github/dockyard.yml', 'master', config);
    mockPullFiles(github, 2, [{ filename: 'images/python/Dockerfile', status: 'modified' }]);
    mockFile(github, '.hadolint.yaml', 'master', 'ignored: [DL3066]\n');
    // The catalog is being read when the process stops.
    github.get(`${repoPath}/git/trees/${shaA}`).delay(300).reply(502, { message: 'Server Error' });

    await receive(first.probot, 'push-a', synchronize(shaA, '2026-01-01T10:00:00Z'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    first.queue.stop();
    await first.queue.idle();
    expect(updates).toEqual([{ status: 'in_progress' }]);

    mockInstallationToken(github);
    mockCheckReads(shaA, badPython);
    mockComments(github, 2, []);
    const comments = bodies<unknown>('POST', '/issues/2/comments');
    github.post(`${repoPath}/issues/2/comments`).reply(201, { id: 8 });
    const second = await startApp();
    await second.queue.idle();

    expect(updates.map((update) => [update.status, update.conclusion])).toEqual([
      ['in_progress', undefined],
      ['in_progress', undefined],
      ['completed', 'failure'],
    ]);
    expect(comments).toHaveLength(1);
    expect(second.store.jobs().map((job) => job.state)).toEqual(['done']);
  });
});

describe('degrading instead of dropping', () => {
  const ecrDown = (store: StateStore): PullRequestBuildDeps => ({
    store,
    mirrors: [],
    ports: { engineFrontend: async () => 'buildkit-0.34' } as unknown as PullRequestBuildDeps['ports'],
    registryAuth: async () => {
      throw new OutsideError('ecr', 'connect ETIMEDOUT api.ecr.eu-west-1.amazonaws.com:443');
    },
  });

  it('reports the policy findings and the ECR failure when ECR is unreachable, and retries the job', async () => {
    const app = await startApp({}, ecrDown);
    const { updates, comments } = await checkOnce(app, () => mockCheckReads(shaA, badPython));
    const { store } = app;

    const completed = updates[1];
    expect(completed?.conclusion).toBe('failure');
    expect(completed?.output?.title).toBe('Dockyard: 1 finding must be fixed');
    expect(completed?.output?.annotations?.map((annotation) => annotation.title)).toEqual(['DY001 (Dockyard error, fails the check) in python']);
    const section =
      '> [!WARNING]\n> **Not built or scanned: ECR could not be reached.** This is not a finding about your change; the policy and lint results below are complete. Dockyard tries again on its own and updates this report; to try at once, re-run the check from the Checks tab. If it keeps failing, ask the platform team to check the app\'s AWS credentials and its network path to ECR.\n>\n> ```text\n> connect ETIMEDOUT api.ecr.eu-west-1.amazonaws.com:443\n> ```';
    expect(completed?.output?.summary).toContain(section);
    const body = comments[0]?.body ?? '';
    expect(body.startsWith(`<!-- dockyard:report -->\n## ❌ Dockyard: 1 finding must be fixed\n\n${section}\n`)).toBe(true);
    expect(body).toContain('`ubuntu:22.04` ❌ not approved');
    const [job] = store.jobs();
    expect([job?.state, job?.attempts, job?.lastError]).toEqual(['retrying', 1, 'connect ETIMEDOUT api.ecr.eu-west-1.amazonaws.com:443']);
  });

  it('is neutral, not failing, when the policy passes and only ECR failed', async () => {
    const { updates } = await checkOnce(await startApp({}, ecrDown), () => mockCheckReads(shaA));

    expect(updates[1]).toMatchObject({ conclusion: 'neutral', output: { title: 'Dockyard: policy and lint passed; not built or scanned: ECR could not be reached' } });
  });

  it('reports a config the pull request breaks as a finding, while judging it by the default branch\'s', async () => {
    const { updates, comments } = await checkOnce(await startApp(), () => {
      mockCheckReads(shaA, python, ['.github/dockyard.yml', 'images/python/Dockerfile']);
      mockFile(github, '.github/dockyard.yml', shaA, `${config}lint:\n  failureThreshold: loud\n`);
    });

    expect(updates[1]?.conclusion).toBe('failure');
    expect(updates[1]?.output?.title).toBe('Dockyard: 1 finding must be fixed');
    expect(updates[1]?.output?.annotations).toEqual([
      expect.objectContaining({ path: '.github/dockyard.yml', start_line: 9, annotation_level: 'failure', title: 'DY021 (config error, fails the check)' }),
    ]);
    const body = comments[0]?.body ?? '';
    expect(body).toContain('### Settings as they would be after merge\n\nThis pull request changes `.github/dockyard.yml`. It is judged by the settings on the default branch; these problems would take effect when it is merged:\n\n- ❌ ');
    expect(body).toContain('After merge this config would be refused at');
  });
});

describe('degrading instead of dropping, against real parts that do not answer', () => {
  const reachable = async () => ({ registry: ecrHost, endpoint: `https://${ecrHost}`, username: 'AWS', password: 'ecr-password' });
  interface Failure {
    /** What does not answer. */
    part: string;
    title: string;
    warning: string;
    /** What the report and the job's error quote of the failure. */
    message: string;
    /** Whether the builds start (reading the commit's archive and `.trivyignore`) before it fails. */
    builds: boolean;
    /** The registry the catalog publishes to, when not ECR's. */
    registry?: string;
    deps: (dir: string, store: StateStore) => PullRequestBuildDeps;
  }
  const notReached = (name: string) => ({
    title: `Dockyard: policy and lint passed; not built or scanned: ${name} could not be reached`,
    warning: `> **Not built or scanned: ${name} could not be reached.** This is not a finding about your change; the policy and lint results below are complete. Dockyard tries again on its own`,
  });
  const failures: Failure[] = [
    {
      part: 'the Docker engine',
      ...notReached('the Docker engine'),
      message: 'Dockyard could not ask the Docker engine which version it is',
      builds: false,
      deps: (dir, store) => ({
        store,
        mirrors: [],
        // A Docker client whose socket nobody listens on: the engine is down.
        ports: succeedingBuildPorts({ engineFrontend: () => detectFrontend(new Dockerode({ socketPath: path.join(dir, 'docker.sock') })) }),
        registryAuth: reachable,
      }),
    },
    {
      part: 'the registry',
      ...notReached('the registry'),
      message: 'pulling 127.0.0.1:9/',
      builds: true,
      registry: '127.0.0.1:9',
      deps: (_dir, store) => ({
        store,
        // The real engine pulls from a registry (and an upstream mirror) that does not answer.
        mirrors: [{ from: 'docker.io', to: '127.0.0.1:9/mirror' }],
        ports: succeedingBuildPorts({ pullImage: (reference, credentials) => pullImage(new Dockerode(), reference, credentials) }),
        registryAuth: async () => ({ registry: '127.0.0.1:9', endpoint: 'http://127.0.0.1:9', username: 'dockyard', password: 'registry-password' }),
      }),
    },
    {
      part: "Trivy's vulnerability database",
      title: 'Dockyard: policy and lint passed; 2 images not scanned',
      warning: "> **Not scanned: Trivy could not run its scans.** This is not a finding about your change; the policy, lint and build results below are complete. Dockyard tries again on its own and updates this report; to try at once, re-run the check from the Checks tab. If it keeps failing, ask the platform team to check that Trivy's database can be downloaded or is mirrored (`DOCKYARD_TRIVY_DB_REPOSITORY`).",
      message: 'failed to download vulnerability DB',
      builds: true,
      deps: (dir, store) => ({
        store,
        mirrors: [],
        // The real Trivy, with no database yet and its database repository not answering.
        ports: succeedingBuildPorts({
          scanImage: (request) => scanImage(request, { cacheDir: path.join(dir, 'trivy'), offline: false, timeoutMs: 120_000, dbRepository: '127.0.0.1:9/aquasecurity/trivy-db' }),
        }),
        registryAuth: reachable,
      }),
    },
  ];

  // The Docker engine is real here (its socket, host `localhost`, or none); GitHub stays nock's.
  beforeEach(() => nock.enableNetConnect('localhost'));
  afterEach(() => {
    const engine = unmatched.filter((request) => request.includes('http://localhost/'));
    unmatched.splice(0, unmatched.length, ...unmatched.filter((request) => !engine.includes(request)));
    nock.disableNetConnect();
  });

  it.each(failures)('when $part does not answer, reports policy and lint, says what failed and what to do, and retries', { timeout: 180_000 }, async (failure) => {
    const app = await startApp({}, (opened) => failure.deps(dir, opened));
    const { updates, comments } = await checkOnce(app, async () => {
      // The root image changes: it builds FROM the approved upstream, pulled first, and python FROM it.
      const configText = failure.registry ? dockyardYml(failure.registry) : config;
      mockCheckReads(shaA, python, ['images/base/Dockerfile'], configText);
      if (failure.builds) {
        mockFile(github, '.trivyignore', 'master', null);
        await new FakeRepository(shaA, { '.github/dockyard.yml': configText, 'images/base/Dockerfile': base, 'images/python/Dockerfile': python }).mockTarball(github);
      }
    });

    const completed = updates[1];
    expect(completed).toMatchObject({ conclusion: 'neutral', output: { title: failure.title } });
    expect(completed?.output?.summary).toContain(failure.warning);
    expect(completed?.output?.summary).toContain(failure.message);
    expect(comments[0]?.body).toContain(failure.warning);
    expect(comments[0]?.body).toContain('| base (changed) |');
    const [job] = app.store.jobs();
    expect([job?.state, job?.attempts]).toEqual(['retrying', 1]);
    expect(job?.lastError).toContain(failure.message);
  });
});

describe('answering webhooks', () => {
  it('answers 50 deliveries with a p99 under 100 ms, GitHub mocked', async () => {
    const { probot, queue } = await startApp({ concurrency: 1, abortGraceMs: 10 });
    // The work is not measured: hold it so only recording and answering are.
    queue.register('pr-check', () => new Promise(() => {}));
    mockInstallationToken(github);
    github.post(`${repoPath}/check-runs`).times(55).reply(201, { id: 42, html_url: '' });
    const times: number[] = [];
    // The first five warm up (the installation token, compiled statements) and are not counted.
    for (let i = 0; i < 55; i++) {
      const sha = i.toString(16).padStart(40, '0');
      const started = performance.now();
      await receive(probot, `delivery-${i}`, synchronize(sha, new Date(Date.UTC(2026, 0, 1, 10, 0, i)).toISOString()));
      if (i >= 5) times.push(performance.now() - started);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    times.sort((a, b) => a - b);
    const p99 = times[Math.ceil(times.length * 0.99) - 1] ?? Infinity;
    console.log(`webhook answer times (ms): p50 ${times[24]?.toFixed(1)}, p99 ${p99.toFixed(1)}, max ${times.at(-1)?.toFixed(1)}`);
    expect(p99).toBeLessThan(100);
  });
});
