import { readdirSync, readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTag } from '../../src/adapters/registry/read-manifest.ts';
import { api, mockInstallationToken } from '../mocks/github-api.ts';
import { contents, FakeRepository, mockPublishRequests, pushEvent, startHarness, testConfig, type Harness } from './harness.ts';

/**
 * The operator's build time limit for this run: several times what the fast repository's build, scan
 * and push take on a busy machine, short enough to keep the test quick.
 */
const limitSeconds = 15;

const before = 'e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0';
const fastCommit = 'fa57fa57fa57fa57fa57fa57fa57fa57fa57fa57';
const slowCommit = '510e510e510e510e510e510e510e510e510e510e';

/** Processes on this host running the hung step (`sleep 600`, or the shell that runs it), by PID. */
function hungSteps(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter((part) => part !== '');
    } catch {
      continue; // ended meanwhile
    }
    if (/(^|[\s/])sleep 600$/.test(argv.join(' '))) found.push(Number(entry));
  }
  return found;
}

async function waitFor(condition: () => boolean, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('publishes of different repositories', () => {
  let harness: Harness;

  beforeAll(async () => {
    // The queue as the app runs it: no concurrency is set, so its default (2) applies, one lane per repository.
    harness = await startHarness({ repositories: ['acme/fast', 'acme/slow'], buildTimeoutSeconds: limitSeconds });
  }, 600_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('one repository publishes while another repository\'s build hangs; the hung build is cancelled at the operator\'s limit and reported', async () => {
    const h = harness;
    const auth = { registry: h.ci.host, username: h.ci.user, password: h.ci.password };
    const elsewhere = new Set(hungSteps());
    const common = {
      '.github/dockyard.yml': testConfig(h, 'scan:', '  failOn: [CRITICAL]'),
      // A waiver for the fixture advisory on tar, so the gate lets the images through.
      '.trivyignore': 'CVE-2099-0001\n',
    };
    const fast = new FakeRepository(fastCommit, { ...common, 'images/fast/Dockerfile': `FROM ${h.upstream}\nUSER root\nRUN echo fast > /etc/agent-fast\nUSER jenkins\n` }, 'acme/fast');
    const slow = new FakeRepository(slowCommit, { ...common, 'images/slow/Dockerfile': `FROM ${h.upstream}\nRUN sleep 600\n` }, 'acme/slow');

    // Both jobs ask for the installation's token at once; however many times, it is the same answer.
    mockInstallationToken(nock(api).persist());
    const fastMocks = await mockPublishRequests(h, fast, before, [{ filename: 'images/fast/Dockerfile', status: 'modified' }]);
    // The fast repository's registration reads its config (no jenkins section: nothing more).
    h.github.get(`${fast.path}/contents/.github%2Fdockyard.yml`).query({ ref: fastCommit }).reply(200, contents(common['.github/dockyard.yml']));
    // Nothing of the slow repository reaches a push, so no image's `latest` is decided.
    const slowMocks = await mockPublishRequests(h, slow, before, [{ filename: 'images/slow/Dockerfile', status: 'modified' }], { decides: false });

    const started = Date.now();
    await Promise.all([
      h.probot.receive({ id: 'slow-1', name: 'push', payload: pushEvent(before, slowCommit, 'acme/slow') } as never),
      h.probot.receive({ id: 'fast-1', name: 'push', payload: pushEvent(before, fastCommit, 'acme/fast') } as never),
    ]);

    // 1. acme/fast publishes while acme/slow's step is still running on the engine and nothing of it is reported.
    await waitFor(() => fastMocks.updates.length > 0, 'acme/fast to report its publish', (limitSeconds + 60) * 1000);
    const fastSeconds = (Date.now() - started) / 1000;
    const running = hungSteps().filter((pid) => !elsewhere.has(pid));
    expect(slowMocks.updates).toEqual([]);
    expect(running.length).toBeGreaterThan(0);
    expect(fastMocks.checkRuns).toEqual([{ name: 'Dockyard publish', head_sha: fastCommit, status: 'in_progress' }]);
    expect(fastMocks.updates[0]?.conclusion).toBe('success');
    expect(fastMocks.updates[0]?.output.title).toBe('Dockyard: published 1 image');
    const fastImage = await readTag(h.ci.url, auth, `${h.prefix}/fast`, `sha-${fastCommit}`);
    if (fastImage?.kind !== 'image') throw new Error('acme/fast\'s image must be in the registry');
    expect(fastMocks.updates[0]?.output.summary).toContain(`| **fast** | ✅ published | \`${h.ci.host}/${h.prefix}/fast:20261129-${fastCommit.slice(0, 7)}\`<br>\`${h.ci.host}/${h.prefix}/fast:sha-${fastCommit}\` | \`${fastImage.manifestDigest}\` |`);
    expect((await readTag(h.ci.url, auth, `${h.prefix}/fast`, 'latest'))?.manifestDigest).toBe(fastImage.manifestDigest);

    // 2. acme/slow is cancelled at its limit (not before), and its check run says so.
    await waitFor(() => slowMocks.updates.length > 0, 'acme/slow to report its cancelled build', (limitSeconds + 60) * 1000);
    const slowSeconds = (Date.now() - started) / 1000;
    await h.services.queue.idle();
    expect(slowSeconds).toBeGreaterThanOrEqual(limitSeconds);
    expect(slowSeconds).toBeLessThan(limitSeconds + 45);
    expect(slowMocks.checkRuns).toEqual([{ name: 'Dockyard publish', head_sha: slowCommit, status: 'in_progress' }]);
    expect(slowMocks.updates).toHaveLength(1);
    expect(slowMocks.updates[0]?.conclusion).toBe('failure');
    expect(slowMocks.updates[0]?.output.title).toBe('Dockyard: 1 of 1 image not published');
    const cancelled = `The build took longer than ${limitSeconds} s, the operator's limit (\`build.timeoutSeconds\`), and was cancelled; nothing was built or pushed.`;
    expect(slowMocks.updates[0]?.output.summary).toContain(`- **slow**: the build failed: ${cancelled}`);
    expect(slowMocks.comments[0]?.body).toContain(cancelled);

    // 3. Nothing of acme/slow was pushed, or even asked of ECR, and its step no longer runs on the host.
    expect(await readTag(h.ci.url, auth, `${h.prefix}/slow`, `sha-${slowCommit}`)).toBeNull();
    expect(await readTag(h.ci.url, auth, `${h.prefix}/slow`, 'latest')).toBeNull();
    expect(JSON.stringify(h.ecr.sent())).not.toContain(`${h.prefix}/slow`);
    expect(JSON.stringify(h.ecr.sent())).toContain(`${h.prefix}/fast`);
    // The engine stops the step when the build request is cancelled; give its kill a moment to land.
    await waitFor(() => hungSteps().every((pid) => elsewhere.has(pid)), 'the hung step to end', 10_000).catch(() => undefined);
    expect(hungSteps().filter((pid) => !elsewhere.has(pid))).toEqual([]);

    expect(h.unmatched).toEqual([]);
    expect(h.github.pendingMocks()).toEqual([]);
    expect(JSON.stringify([fastMocks, slowMocks])).not.toContain(h.ci.password);
    console.info(`acme/fast reported after ${fastSeconds.toFixed(1)} s; acme/slow cancelled and reported after ${slowSeconds.toFixed(1)} s (limit ${limitSeconds} s)`);
  }, 180_000);
});

describe('a publish job past the queue\'s own time limit', () => {
  const jobLimitSeconds = 8;
  let harness: Harness;

  beforeAll(async () => {
    // The build limit stays the operator's default (30 minutes): here the job's limit is what stops the build.
    harness = await startHarness({ repositories: ['acme/stuck'], queueOptions: { jobTimeoutMs: jobLimitSeconds * 1000, maxAttempts: 1 } });
  }, 600_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('is cancelled through its signal: the build stops on the engine and the check run fails, naming the limit', async () => {
    const h = harness;
    const elsewhere = new Set(hungSteps());
    const config = testConfig(h, 'scan:', '  failOn: [CRITICAL]');
    const commit = '57c057c057c057c057c057c057c057c057c057c0';
    const stuck = new FakeRepository(commit, { '.github/dockyard.yml': config, '.trivyignore': 'CVE-2099-0001\n', 'images/stuck/Dockerfile': `FROM ${h.upstream}\nRUN sleep 600\n` }, 'acme/stuck');
    mockInstallationToken(nock(api).persist());
    const mocks = await mockPublishRequests(h, stuck, before, [{ filename: 'images/stuck/Dockerfile', status: 'modified' }], { decides: false });

    const started = Date.now();
    await h.probot.receive({ id: 'stuck-1', name: 'push', payload: pushEvent(before, commit, 'acme/stuck') } as never);
    await waitFor(() => hungSteps().some((pid) => !elsewhere.has(pid)), 'the hung step to start', jobLimitSeconds * 1000);
    await h.services.queue.idle();
    const seconds = (Date.now() - started) / 1000;

    expect(seconds).toBeGreaterThanOrEqual(jobLimitSeconds);
    expect(seconds).toBeLessThan(jobLimitSeconds + 30);
    expect(mocks.checkRuns).toEqual([{ name: 'Dockyard publish', head_sha: commit, status: 'in_progress' }]);
    expect(mocks.updates).toHaveLength(1);
    expect(mocks.updates[0]?.conclusion).toBe('failure');
    expect(mocks.updates[0]?.output.title).toBe('Dockyard could not finish publishing');
    expect(mocks.updates[0]?.output.summary).toContain(`The job ran longer than its limit of ${jobLimitSeconds} s and was cancelled.`);
    // The job ended at the check run: no report comment on the pull request.
    expect(mocks.comments).toEqual([]);
    expect(h.github.pendingMocks()).toEqual([
      `GET https://api.github.com:443${stuck.path}/commits/${commit}/pulls`,
      `GET https://api.github.com:443${stuck.path}/issues/2/comments`,
      `POST https://api.github.com:443${stuck.path}/issues/2/comments`,
    ]);
    expect(h.unmatched).toEqual([]);
    const auth = { registry: h.ci.host, username: h.ci.user, password: h.ci.password };
    expect(await readTag(h.ci.url, auth, `${h.prefix}/stuck`, `sha-${commit}`)).toBeNull();
    expect(JSON.stringify(h.ecr.sent())).not.toContain(`${h.prefix}/stuck`);
    await waitFor(() => hungSteps().every((pid) => elsewhere.has(pid)), 'the hung step to end', 10_000).catch(() => undefined);
    expect(hungSteps().filter((pid) => !elsewhere.has(pid))).toEqual([]);
    expect(h.services.store.job(`publish:acme/stuck:${commit}`)).toMatchObject({ attempts: 1, state: 'gave-up' });
  }, 120_000);
});
