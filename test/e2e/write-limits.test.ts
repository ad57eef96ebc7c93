import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPull, pushToDefault } from './fake-github/pull-requests.ts';
import type { FakePull } from './fake-github/fake-github.ts';
import { dockyardConfig, rootDockerfile, startE2e, type E2e } from './harness.ts';
import { botComments, checkTimeoutMs, completedRun, expectCleanRun, runsOn } from './observe.ts';
import { pullRequestEvent } from './payloads.ts';

// The app as a process against a GitHub Enterprise Server whose administrator set a secondary limit on
// writes: told the limit, Dockyard keeps to it; not told, it waits out GitHub's answers. Either way every
// pull request gets its check run and its comment.

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e({ env: { DOCKYARD_GITHUB_WRITE_LIMITS: '4/s' } });
  await pushToDefault(e2e.repo, { '.github/dockyard.yml': dockyardConfig(e2e), 'images/base/Dockerfile': rootDockerfile(e2e, 'base') });
}, 180_000);

afterAll(async () => {
  await e2e?.close();
});

/** Opens `count` pull requests from forks (checked without building) and delivers them all at once. */
async function burst(count: number, name: string): Promise<FakePull[]> {
  const { github, repo } = e2e;
  const pulls: FakePull[] = [];
  for (let i = 0; i < count; i++) pulls.push(await openPull(repo, { [`images/${name}-${i}/Dockerfile`]: rootDockerfile(e2e, `${name} ${i}`) }, { fork: true }));
  const payloads = await Promise.all(pulls.map((pull) => pullRequestEvent(github, repo, pull, 'opened')));
  const answers = await Promise.all(payloads.map((payload) => e2e.send('pull_request', payload)));
  expect(answers.map((answer) => answer.status)).toEqual(Array(count).fill(200));
  return pulls;
}

async function expectEveryCheckReported(pulls: readonly FakePull[]): Promise<void> {
  for (const pull of pulls) {
    const run = await completedRun(e2e, pull.headSha);
    expect(run.conclusion).toBe('action_required');
    expect(runsOn(e2e, pull.headSha)).toHaveLength(1);
    await e2e.github.waitFor(() => botComments(e2e, pull.number).length > 0, `the comment on #${pull.number}`);
    expect(botComments(e2e, pull.number)).toHaveLength(1);
  }
}

describe('GitHub write limits, end to end', () => {
  it('keeps to the limit the operator gives, so GitHub never answers a burst with a secondary limit', async () => {
    e2e.github.secondaryLimit = { count: 4, windowMs: 1000 };
    const pulls = await burst(6, 'kept');

    await expectEveryCheckReported(pulls);
    expect(e2e.github.limited).toEqual([]);
    expectCleanRun(e2e);
  }, checkTimeoutMs);

  it('waits out the secondary limits it was not told of and still reports every check', async () => {
    e2e.github.secondaryLimit = { count: 2, windowMs: 1000 };
    const pulls = await burst(4, 'answered');

    await expectEveryCheckReported(pulls);
    expect(e2e.github.limited.length).toBeGreaterThan(0);
    expect(e2e.app.logs().some((record) => typeof record.msg === 'string' && record.msg.startsWith('GitHub secondary rate limit on '))).toBe(true);
    expectCleanRun(e2e);
  }, checkTimeoutMs);
});
