import { createHash } from 'node:crypto';
import type nock from 'nock';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { BranchHistory, type Comparison } from '../../src/adapters/github/compare-commits.ts';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { parseOperatorSettings } from '../../src/config/read-operator-settings.ts';
import { OutsideError } from '../../src/errors.ts';
import type { BuildPorts } from '../../src/jobs/build-ports.ts';
import { decideLatest, publishCommit, type PublishJob } from '../../src/jobs/publish-commit.ts';
import type { PublishPorts } from '../../src/jobs/publish-ports.ts';
import { registerJenkins } from '../../src/jobs/register-jenkins.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { capture, contents, FakeRepository, zero } from '../integration/harness.ts';
import { repoPath } from '../mocks/github-api.ts';
import { useGitHubNock } from '../mocks/github-nock.ts';
import { upstream } from '../mocks/repository-fixtures.ts';
import { succeedingBuildPorts } from './job-fixtures.ts';
import { testOctokit } from '../mocks/test-probot.ts';

// publishCommit with GitHub through nock and every other port faked: a registry that is a map of
// tags, builds that always succeed. What it must never do is move `latest`, the published state or
// Jenkins back to an older commit of the default branch. Real builds and pushes are in test/integration.

const octokit = testOctokit();
const log = pino({ level: 'silent' });
const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const fullName = 'Codertocat/Hello-World';

const operator = parseOperatorSettings(
  [
    `registries: { main: { host: "${host}" } }`,
    'jenkins:',
    '  ci:',
    '    url: http://127.0.0.1:9/',
    '    allowInsecureHttp: true',
    '    auth: { user: dockyard, apiTokenEnv: JENKINS_API_TOKEN }',
    '    delivery: { serve: { enabled: true } }',
    `grants: [{ repositories: ["${fullName}"], registry: main, prefix: agents, jenkins: [ci] }]`,
    '',
  ].join('\n'),
  'operator.yml',
);

function files(note: string): Record<string, string> {
  return {
    '.github/dockyard.yml': [
      'registry: main',
      'prefix: agents',
      'parents:',
      '  approved:',
      '    - pattern: docker.io/jenkins/inbound-agent',
      '      requireDigest: true',
      'jenkins:',
      '  controller: ci',
      '  clouds:',
      '    - { kind: docker, name: agents, dockerHost: { uri: "unix:///var/run/docker.sock" } }',
      '',
    ].join('\n'),
    'images/base/Dockerfile': `FROM ${upstream}\nRUN echo ${note} > /etc/agent-base\nUSER jenkins\n`,
    'images/base/image.yml': 'label: base\n',
  };
}

/** A registry as a map from `<repository>:<tag>` to digest; pushes fail while `failing` is set. */
function fakeRegistry() {
  const tags = new Map<string, string>();
  const state = { failing: false };
  const digestOf = (imageId: string) => `sha256:${createHash('sha256').update(imageId).digest('hex')}`;
  const ports: PublishPorts = {
    ensureRepository: async () => ({ created: false }),
    registryAuth: async () => ({ registry: host, endpoint: `https://${host}`, username: 'AWS', password: 'ecr-password' }),
    async publishTag(imageId, repository, tag) {
      if (state.failing) throw new OutsideError('ecr', 'ECR answered 503 Service Unavailable');
      const digest = digestOf(imageId);
      const existing = tags.get(`${repository}:${tag}`);
      if (existing !== undefined && existing !== digest) throw new Error(`tag ${tag} holds another image`);
      tags.set(`${repository}:${tag}`, digest);
      return { outcome: existing === undefined ? 'pushed' : 'already-published', digest };
    },
    async pushMovingTag(imageId, repository, tag) {
      if (state.failing) throw new OutsideError('ecr', 'ECR answered 503 Service Unavailable');
      tags.set(`${repository}:${tag}`, digestOf(imageId));
      return { digest: digestOf(imageId) };
    },
  };
  return { ports, tags, state, digestOf };
}

/** Builds that succeed, each image's id naming the commit whose tree it was built from. */
function buildPorts(commit: () => string): BuildPorts {
  return succeedingBuildPorts({
    buildImage: async (request) => ({ status: 'built', imageId: `sha256:${request.image}-${commit()}`, frontend: 'buildkit-0.8', logTail: [] }),
  });
}

type Order = 'ahead' | 'behind' | 'identical' | 'diverged';
const comparison = (status: Order, aheadBy: number, behindBy: number, changed: { filename: string; status: string }[] = []) => ({
  status,
  ahead_by: aheadBy,
  behind_by: behindBy,
  files: changed,
});

/** Mocks what publishing one commit asks GitHub, except the history questions each test states. */
async function mockPublish(scope: nock.Scope, repo: FakeRepository) {
  scope.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: repo.sha }).reply(200, contents(repo.files['.github/dockyard.yml'] ?? ''));
  repo.mockCatalog(scope);
  const started: unknown[] = [];
  scope.post(`${repoPath}/check-runs`, capture(started)).reply(201, { id: 7, html_url: 'https://github.com/Codertocat/Hello-World/runs/7' });
  for (const file of ['.hadolint.yaml', '.hadolint.yml', '.trivyignore']) {
    scope.get(`${repoPath}/contents/${file}`).query({ ref: repo.sha }).reply(404, { message: 'Not Found' });
  }
  await repo.mockTarball(scope);
  const updates: { conclusion: string; output: { title: string; summary: string } }[] = [];
  scope.patch(`${repoPath}/check-runs/7`, capture(updates)).reply(200, {});
  scope.get(`${repoPath}/commits/${repo.sha}/pulls`).reply(200, []);
  return { started, updates };
}

const c1 = '1111111111111111111111111111111111111111';
const c2 = '2222222222222222222222222222222222222222';

function job(after: string, before: string): PublishJob {
  return { owner: 'Codertocat', repo: 'Hello-World', before, after, committedAt: '2026-11-29T05:00:00Z', htmlUrl: 'https://github.com/Codertocat/Hello-World', defaultBranch: 'main' };
}

const { github, expectAllRequestsMade: expectRequests } = useGitHubNock();

beforeAll(() => {
  process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
});

/** Every request made was expected, and every history question and report was asked (how the catalog is read is not this test's). */
function expectAllRequestsMade() {
  expectRequests(/\/git\/(blobs|trees)\//);
}

describe('publishing only moves forward along the default branch', () => {
  it('an older commit retried after a newer one published pushes its immutable tags, but `latest`, the published state and Jenkins stay on the newer commit', async () => {
    const store = new StateStore(':memory:');
    const registry = fakeRegistry();
    let building = c1;
    const deps = { octokit, log, store, mirrors: [], build: buildPorts(() => building), operator, publish: () => registry.ports };
    const older = new FakeRepository(c1, files('one'));
    const newer = new FakeRepository(c2, files('two'));

    // 1. The older commit's push fails at ECR: retried later.
    registry.state.failing = true;
    await mockPublish(github, older);
    await expect(publishCommit(deps, job(c1, zero))).rejects.toThrow(/will retry/);
    expectAllRequestsMade();
    expect(store.publishedImages(fullName)).toEqual([]);

    // 2. The newer commit publishes: `latest` and the state move to it.
    registry.state.failing = false;
    building = c2;
    await mockPublish(github, newer);
    github.get(`${repoPath}/compare/${c1}...${c2}`).query({ per_page: 100 }).reply(200, comparison('ahead', 1, 0, [{ filename: 'images/base/Dockerfile', status: 'modified' }]));
    github.get(`${repoPath}/compare/${c2}...main`).query({ per_page: 100 }).reply(200, comparison('identical', 0, 0));
    const second = await publishCommit(deps, job(c2, c1));
    expectAllRequestsMade();
    expect(second.registryChanged).toBe(true);
    const newerDigest = registry.digestOf(`sha256:base-${c2}`);
    expect(registry.tags.get('agents/base:latest')).toBe(newerDigest);

    // 3. The older commit's retry: its tags are pushed, nothing else moves.
    building = c1;
    const retried = await mockPublish(github, older);
    github.get(`${repoPath}/compare/${c1}...main`).query({ per_page: 100 }).reply(200, comparison('ahead', 1, 0));
    github.get(`${repoPath}/compare/${c2}...${c1}`).query({ per_page: 100 }).reply(200, comparison('behind', 0, 1));
    github.get(`${repoPath}/compare/${c2}...main`).query({ per_page: 100 }).reply(200, comparison('identical', 0, 0));
    const third = await publishCommit(deps, job(c1, zero));
    expectAllRequestsMade();

    const olderDigest = registry.digestOf(`sha256:base-${c1}`);
    expect(olderDigest).not.toBe(newerDigest);
    expect(registry.tags.get(`agents/base:sha-${c1}`)).toBe(olderDigest);
    expect(registry.tags.get(`agents/base:20261129-${c1.slice(0, 7)}`)).toBe(olderDigest);
    expect(registry.tags.get('agents/base:latest')).toBe(newerDigest);
    expect(store.publishedImages(fullName)).toEqual([
      { repo: fullName, image: 'base', repository: `${host}/agents/base`, digest: newerDigest, label: 'base', commit: c2 },
    ]);
    expect(store.publishOf(fullName, c1, 'base')).toMatchObject({ status: 'published', digest: olderDigest });
    // Nothing in the published state changed, so no Jenkins registration follows this job.
    expect(third.registryChanged).toBe(false);
    expect(retried.updates[0]?.conclusion).toBe('success');
    expect(retried.updates[0]?.output.title).toBe('Dockyard: published 1 image (tags only: latest stays on a newer commit)');
    expect(retried.updates[0]?.output.summary).toContain(
      `- **base**: published \`20261129-${c1.slice(0, 7)}\` and \`sha-${c1}\` tags; \`latest\` stays on \`${c2.slice(0, 7)}\` (newer on \`main\`).`,
    );
    expect(retried.updates[0]?.output.summary).toContain('| **base** | ✅ published (tags only) |');

    // 4. A registration for the older commit renders from the published state: the newer digest.
    github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: c1 }).reply(200, contents(older.files['.github/dockyard.yml'] ?? ''));
    github.post(`${repoPath}/check-runs`).reply(201, { id: 8, html_url: 'https://github.com/Codertocat/Hello-World/runs/8' });
    github.patch(`${repoPath}/check-runs/8`).reply(200, {});
    github.get(`${repoPath}/commits/${c1}/pulls`).reply(200, []);
    // Jenkins is asked to check the document it would load: that is what the registration renders.
    const checked: string[] = [];
    const fetchJenkins = (async (url: string | URL | Request, init?: RequestInit) => {
      const path = new URL(String(url)).pathname;
      if (path.endsWith('/configuration-as-code/check')) {
        checked.push(String(init?.body ?? ''));
        return new Response('[]', { status: 200 });
      }
      if (path.endsWith('/configuration-as-code/export')) return new Response('jenkins:\n  clouds: []\n', { status: 200 });
      return new Response('', { status: 200 });
    }) as typeof fetch;
    await registerJenkins({ octokit, log, store, env: { JENKINS_API_TOKEN: 'api-token-0123456789' }, operator, fetch: fetchJenkins }, { owner: 'Codertocat', repo: 'Hello-World', commit: c1, installationId: 1 });
    expectAllRequestsMade();
    expect(checked).toHaveLength(1);
    const document = checked[0] ?? '';
    expect(document).toContain(`${host}/agents/base@${newerDigest}`);
    expect(document).not.toContain(olderDigest);
  });

  it('a newer commit moves `latest` and the state forward past an older one', async () => {
    const store = new StateStore(':memory:');
    const registry = fakeRegistry();
    let building = c1;
    const deps = { octokit, log, store, mirrors: [], build: buildPorts(() => building), operator, publish: () => registry.ports };

    await mockPublish(github, new FakeRepository(c1, files('one')));
    github.get(`${repoPath}/compare/${c1}...main`).query({ per_page: 100 }).reply(200, comparison('ahead', 1, 0));
    expect((await publishCommit(deps, job(c1, zero))).registryChanged).toBe(true);
    expect(store.publishedImage(fullName, 'base')?.commit).toBe(c1);

    building = c2;
    const second = await mockPublish(github, new FakeRepository(c2, files('two')));
    // The push's own comparison (before...after) also orders the state's commit and this one: asked once.
    github.get(`${repoPath}/compare/${c1}...${c2}`).query({ per_page: 100 }).reply(200, comparison('ahead', 1, 0, [{ filename: 'images/base/Dockerfile', status: 'modified' }]));
    github.get(`${repoPath}/compare/${c2}...main`).query({ per_page: 100 }).reply(200, comparison('identical', 0, 0));
    expect((await publishCommit(deps, job(c2, c1))).registryChanged).toBe(true);
    expectAllRequestsMade();
    expect(store.publishedImage(fullName, 'base')).toMatchObject({ commit: c2, digest: registry.digestOf(`sha256:base-${c2}`) });
    expect(registry.tags.get('agents/base:latest')).toBe(registry.digestOf(`sha256:base-${c2}`));
    expect(second.updates[0]?.output.title).toBe('Dockyard: published 1 image');
    expect(second.updates[0]?.output.summary).not.toContain('latest');
  });
});

describe('a commit whose images are all published', () => {
  it('completes a `Dockyard publish` check run saying nothing needed publishing (a Re-run of it), and pushes nothing', async () => {
    const store = new StateStore(':memory:');
    const registry = fakeRegistry();
    const deps = { octokit, log, store, mirrors: [], build: buildPorts(() => c1), operator, publish: () => registry.ports };
    const repo = new FakeRepository(c1, files('one'));
    await mockPublish(github, repo);
    github.get(`${repoPath}/compare/${c1}...main`).query({ per_page: 100 }).reply(200, comparison('ahead', 1, 0));
    await publishCommit(deps, job(c1, zero));
    expectAllRequestsMade();
    const pushed = new Map(registry.tags);

    // Run again: every image of the commit is published already.
    github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: c1 }).reply(200, contents(repo.files['.github/dockyard.yml'] ?? ''));
    repo.mockCatalog(github);
    const started: { name: string; head_sha: string; status: string }[] = [];
    github.post(`${repoPath}/check-runs`, capture(started)).reply(201, { id: 9, html_url: 'https://github.com/Codertocat/Hello-World/runs/9' });
    const updates: { status: string; conclusion: string; output: { title: string; summary: string } }[] = [];
    github.patch(`${repoPath}/check-runs/9`, capture(updates)).reply(200, {});
    const again = await publishCommit(deps, job(c1, zero));
    expectAllRequestsMade();

    expect(started).toEqual([expect.objectContaining({ name: 'Dockyard publish', head_sha: c1 })]);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'Dockyard: nothing needed publishing' } });
    expect(updates[0]?.output.summary).toContain(`Every image commit \`${c1.slice(0, 7)}\` changes was published already, so nothing was built or pushed again.`);
    expect(updates[0]?.output.summary).toContain('| **base** | ✅ already published |');
    expect(registry.tags).toEqual(pushed);
    expect(again).toEqual({ images: [expect.objectContaining({ name: 'base', status: 'already-published' })], registryChanged: false });
  });
});

/** A history whose answers are given: `compare` by `base...head`, the branch named `main`. */
function givenHistory(answers: Record<string, Pick<Comparison, 'order' | 'aheadBy'>>): BranchHistory {
  const asked: string[] = [];
  const history = {
    branch: async () => 'main',
    async compare(base: string, head: string): Promise<Comparison> {
      asked.push(`${base}...${head}`);
      const answer = answers[`${base}...${head}`];
      if (!answer) throw new Error(`unexpected comparison ${base}...${head}`);
      return { ...answer, behindBy: 0, files: [] };
    },
    async onBranch(commit: string) {
      const { order, aheadBy } = await history.compare(commit, 'main');
      return order === 'ahead' || order === 'identical' ? { on: true as const, commitsAfter: aheadBy } : { on: false as const };
    },
  };
  return history as unknown as BranchHistory;
}

describe('decideLatest', () => {
  const on = (aheadBy: number) => ({ order: 'ahead' as const, aheadBy });
  const off = { order: 'diverged' as const, aheadBy: 3 };

  it('moves when nothing is published, or the state came from the same commit, or the commit holds the state\'s', async () => {
    expect(await decideLatest(givenHistory({ 'J...main': on(0) }), undefined, 'J')).toEqual({ move: true });
    expect(await decideLatest(givenHistory({ 'J...main': on(2) }), 'J', 'J')).toEqual({ move: true });
    expect(await decideLatest(givenHistory({ 'J...main': on(2), 'S...J': on(1) }), 'S', 'J')).toEqual({ move: true });
  });

  it('stays on a newer state: the commit is behind it', async () => {
    expect(await decideLatest(givenHistory({ 'J...main': on(2), 'S...J': { order: 'behind', aheadBy: 0 }, 'S...main': on(0) }), 'S', 'J')).toEqual({
      move: false,
      heldBy: 'S',
      why: 'newer',
    });
  });

  it('never moves to a commit a force-push took off the branch, whatever its order with the state', async () => {
    expect(await decideLatest(givenHistory({ 'J...main': off }), 'S', 'J')).toEqual({ move: false, heldBy: 'S', why: 'off-branch' });
    expect(await decideLatest(givenHistory({ 'J...main': { order: 'behind', aheadBy: 0 } }), undefined, 'J')).toEqual({ move: false, why: 'off-branch' });
  });

  it('diverged: the branch\'s current head decides; a state rewritten away is replaced, even by an ancestor of it', async () => {
    expect(await decideLatest(givenHistory({ 'J...main': on(0), 'S...J': { order: 'diverged', aheadBy: 1 }, 'S...main': off }), 'S', 'J')).toEqual({ move: true });
    expect(await decideLatest(givenHistory({ 'J...main': on(0), 'S...J': { order: 'unrelated', aheadBy: 0 }, 'S...main': off }), 'S', 'J')).toEqual({ move: true });
    expect(await decideLatest(givenHistory({ 'J...main': on(4), 'S...J': { order: 'behind', aheadBy: 0 }, 'S...main': off }), 'S', 'J')).toEqual({ move: true });
  });

  it('diverged with both on the branch (an old tip merged back): the one nearer the head is newer; a tie stays', async () => {
    const diverged = { order: 'diverged' as const, aheadBy: 1 };
    expect(await decideLatest(givenHistory({ 'J...main': on(1), 'S...J': diverged, 'S...main': on(3) }), 'S', 'J')).toEqual({ move: true });
    expect(await decideLatest(givenHistory({ 'J...main': on(3), 'S...J': diverged, 'S...main': on(1) }), 'S', 'J')).toEqual({ move: false, heldBy: 'S', why: 'newer' });
    expect(await decideLatest(givenHistory({ 'J...main': on(2), 'S...J': diverged, 'S...main': on(2) }), 'S', 'J')).toEqual({ move: false, heldBy: 'S', why: 'newer' });
  });
});
