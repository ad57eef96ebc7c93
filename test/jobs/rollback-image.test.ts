import nock from 'nock';
import pino from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BranchHistory, type Comparison } from '../../src/adapters/github/compare-commits.ts';
import type { TagState } from '../../src/adapters/registry/types.ts';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { parseOperatorSettings } from '../../src/config/read-operator-settings.ts';
import { OutsideError, UserError } from '../../src/errors.ts';
import { decideLatest } from '../../src/jobs/publish-commit.ts';
import { rollbackImage, type RollbackJob, type RollbackPorts } from '../../src/jobs/rollback-image.ts';
import { api, mockFile, repoPath } from '../mocks/github-api.ts';
import { testOctokit } from '../mocks/test-probot.ts';

// rollbackImage with GitHub through nock and the registry a map of tags; the registry side
// (tagManifest) is tested against the real registry in test/adapters/registry/tag-manifest.test.ts.

const octokit = testOctokit();
const repo = 'Codertocat/Hello-World';
const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const repository = `${host}/agents/python`;
const [c1, c2, c3] = ['1', '2', '3'].map((digit) => digit.repeat(40)) as [string, string, string];
const [d1, d2] = ['a', 'b'].map((digit) => `sha256:${digit.repeat(64)}`) as [string, string];
const operator = parseOperatorSettings(
  ['registries:', `  main: { host: "${host}" }`, 'grants:', `  - repositories: [${repo}]`, '    registry: main', '    prefix: agents', ''].join('\n'),
  'operator.yml',
);
const config = 'registry: main\nprefix: agents\n';
const job: RollbackJob = { owner: 'Codertocat', repo: 'Hello-World', image: 'python', tag: '20261101-1111111', requestedBy: 'maintainer', installationId: 1, defaultBranch: 'main', issue: 7 };

/** A registry of one repository: tag → manifest digest; `latest` moves. */
function fakeRegistry(tags: Record<string, string>) {
  const calls: string[] = [];
  const ports: RollbackPorts = {
    registryAuth: async () => ({ registry: host, endpoint: `https://${host}`, username: 'AWS', password: 'token' }),
    readTag: async (name, tag) => {
      calls.push(`read ${name}:${tag}`);
      const digest = tags[tag];
      return digest === undefined ? null : ({ kind: 'image', manifestDigest: digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', configDigest: 'sha256:config' } satisfies TagState);
    },
    tagManifest: async (name, digest, tag) => {
      calls.push(`tag ${name}:${tag} ${digest}`);
      tags[tag] = digest;
      return { digest };
    },
  };
  return { ports, calls, tags };
}

let store: StateStore;
let github: nock.Scope;

beforeAll(() => {
  nock.disableNetConnect();
});

beforeEach(() => {
  store = new StateStore(':memory:');
  // c1 published python as d1, then c2 as d2 (what runs now).
  store.recordPublish({ repo, commit: c1, image: 'python', status: 'published', repository, tags: ['20261101-1111111', `sha-${c1}`], digest: d1 });
  store.recordPublish({ repo, commit: c2, image: 'python', status: 'published', repository, tags: ['20261102-2222222', `sha-${c2}`], digest: d2 });
  store.setPublishedImage({ repo, image: 'python', repository, digest: d2, label: 'python', overrides: { cpu: 2048 }, commit: c2 });
  github = nock(api);
});

afterEach(() => {
  expect(github.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

function mockDefaultBranch() {
  github.get(`${repoPath}/branches/main`).reply(200, { name: 'main', commit: { sha: c3 } });
  mockFile(github, '.github/dockyard.yml', c3, config);
}

function replies(): string[] {
  const bodies: string[] = [];
  github.post(`${repoPath}/issues/7/comments`, (body: { body: string }) => bodies.push(body.body) > 0).reply(201, { id: 1 });
  return bodies;
}

const deps = (ports: RollbackPorts) => ({ octokit, log: pino({ level: 'silent' }), store, operator, ports: () => ports });

describe('rolling an image back', () => {
  it('points latest and the published state at the tag\'s digest, and records who rolled back from what', async () => {
    mockDefaultBranch();
    const bodies = replies();
    const registry = fakeRegistry({ '20261101-1111111': d1, latest: d2 });

    const outcome = await rollbackImage(deps(registry.ports), job, 'rollback:1');

    expect(outcome).toEqual({ status: 'rolled-back', head: c3, digest: d1 });
    expect(registry.calls).toEqual(['read agents/python:20261101-1111111', `tag agents/python:latest ${d1}`]);
    expect(registry.tags['latest']).toBe(d1);
    // Jenkins renders from this: the old digest, the label and template settings kept.
    expect(store.publishedImage(repo, 'python')).toEqual({ repo, image: 'python', repository, digest: d1, label: 'python', overrides: { cpu: 2048 }, commit: c1 });
    expect(store.rollbacks(repo)).toEqual([
      { repo, image: 'python', tag: '20261101-1111111', digest: d1, commit: c1, fromDigest: d2, fromCommit: c2, requestedBy: 'maintainer', jobKey: 'rollback:1', at: expect.any(String) },
    ]);
    expect(bodies).toEqual([
      `@maintainer rolled back **python** to \`20261101-1111111\`: \`latest\` and the Jenkins template now use \`${repository}@${d1}\`, published from \`1111111\`. It was \`${d2}\` (from \`2222222\`). The next commit on \`main\` that changes python publishes it and moves \`latest\` forward again.`,
    ]);
  });

  it('leaves latest free to move forward again on the next commit of the default branch, and held against older ones', async () => {
    mockDefaultBranch();
    replies();
    await rollbackImage(deps(fakeRegistry({ '20261101-1111111': d1 }).ports), job, 'rollback:1');
    const published = store.publishedImage(repo, 'python')?.commit;

    // The default branch is c1 → c2 → c3: the commit that published next decides as for any publish.
    const history = linearHistory([c1, c2, c3]);
    expect(await decideLatest(history, published, c3)).toEqual({ move: true });
    expect(await decideLatest(history, published, c1)).toEqual({ move: true });
    const older = linearHistory(['0'.repeat(40), c1, c2, c3]);
    expect(await decideLatest(older, published, '0'.repeat(40))).toEqual({ move: false, heldBy: c1, why: 'newer' });
  });

  it('refuses a tag this catalog never published, and touches nothing', async () => {
    mockDefaultBranch();
    const bodies = replies();
    const registry = fakeRegistry({ '3.12': d1 });

    const outcome = await rollbackImage(deps(registry.ports), { ...job, tag: '3.12' }, 'rollback:2');

    expect(outcome).toEqual({ status: 'refused', reason: '`python:3.12` was never published by this catalog; only a tag Dockyard published from the default branch can be rolled back to.' });
    expect(registry.calls).toEqual([]);
    expect(store.publishedImage(repo, 'python')?.digest).toBe(d2);
    expect(store.rollbacks(repo)).toEqual([]);
    expect(bodies).toEqual([
      '@maintainer Dockyard did not roll back **python** to `3.12`: `python:3.12` was never published by this catalog; only a tag Dockyard published from the default branch can be rolled back to.',
    ]);
  });

  it('refuses a tag the registry no longer holds at the digest Dockyard published', async () => {
    mockDefaultBranch();
    const bodies = replies();
    const registry = fakeRegistry({ '20261101-1111111': `sha256:${'f'.repeat(64)}` });

    const outcome = await rollbackImage(deps(registry.ports), job, 'rollback:3');

    expect(outcome.status).toBe('refused');
    expect(registry.calls).toEqual(['read agents/python:20261101-1111111']);
    expect(store.publishedImage(repo, 'python')?.digest).toBe(d2);
    expect(bodies[0]).toContain(`holds \`sha256:${'f'.repeat(64)}\` in the registry, not the \`${d1}\` Dockyard published`);
  });

  it('finishes on a retry after the state was written, without recording twice or reporting it unchanged', async () => {
    mockDefaultBranch();
    const registry = fakeRegistry({ '20261101-1111111': d1 });
    let fail = true;
    const flaky: RollbackPorts = {
      ...registry.ports,
      tagManifest: async (...args) => {
        if (fail) throw new OutsideError('registry', 'registry unavailable');
        return registry.ports.tagManifest(...args);
      },
    };
    await expect(rollbackImage(deps(flaky), job, 'rollback:4')).rejects.toThrow('registry unavailable');
    expect(store.publishedImage(repo, 'python')?.digest).toBe(d1);

    fail = false;
    mockDefaultBranch();
    const bodies = replies();
    const outcome = await rollbackImage(deps(flaky), job, 'rollback:4');

    expect(outcome.status).toBe('rolled-back');
    expect(registry.tags['latest']).toBe(d1);
    expect(store.rollbacks(repo).map((entry) => [entry.fromDigest, entry.digest])).toEqual([[d2, d1]]);
    expect(bodies[0]).toContain(`It was \`${d2}\` (from \`2222222\`)`);
  });

  it('says so on the pull request when the registry refuses for good, and the job gives up', async () => {
    mockDefaultBranch();
    const bodies = replies();
    const registry = fakeRegistry({ '20261101-1111111': d1 });
    const refusing: RollbackPorts = { ...registry.ports, tagManifest: async () => Promise.reject(new UserError('The registry refused to point agents/python:latest (HTTP 400).')) };

    await expect(rollbackImage(deps(refusing), job, 'rollback:5')).rejects.toThrow(UserError);

    expect(bodies).toEqual(['@maintainer Dockyard could not roll back **python** to `20261101-1111111`:\n\n```text\nThe registry refused to point agents/python:latest (HTTP 400).\n```']);
  });
});

/** The default branch `main` as a straight line of commits, answering comparisons the way GitHub's compare API does. */
function linearHistory(commits: string[]): BranchHistory {
  const history = new BranchHistory(octokit, { owner: 'Codertocat', repo: 'Hello-World' }, async () => 'main');
  const at = (ref: string) => (ref === 'main' ? commits.length - 1 : commits.indexOf(ref));
  history.compare = async (base: string, head: string): Promise<Comparison> => {
    const [b, h] = [at(base), at(head)];
    if (b < 0 || h < 0) return { order: 'unrelated', aheadBy: 0, behindBy: 0, files: [] };
    return { order: h > b ? 'ahead' : h < b ? 'behind' : 'identical', aheadBy: Math.max(0, h - b), behindBy: Math.max(0, b - h), files: [] };
  };
  return history;
}
