import nock from 'nock';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import type { OperatorRegistry } from '../../src/config/operator-schema.ts';
import { parseOperatorSettings } from '../../src/config/read-operator-settings.ts';
import { checkPullRequest, type PullRequestBuildDeps, type PullRequestJob } from '../../src/jobs/check-pull-request.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { capture, FakeRepository } from '../integration/harness.ts';
import { mockComments, mockFile, mockPullFiles, repoPath } from '../mocks/github-api.ts';
import { useGitHubNock } from '../mocks/github-nock.ts';
import { base, dockyardYml, ecrHost } from '../mocks/repository-fixtures.ts';
import { succeedingBuildPorts } from './job-fixtures.ts';
import { testOctokit } from '../mocks/test-probot.ts';

// A pull request check resolves the config's `registry` through the operator's grants, as publishing
// does: it judges and builds against the granted registry's host, and fails at the config's line when
// the grants refuse it. GitHub through nock; builds faked (real ones are in test/integration).

const octokit = testOctokit();
const log = pino({ level: 'silent' });
const host = ecrHost;
const headSha = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

const operator = parseOperatorSettings(
  [`registries: { main: { host: "${host}" }, other: { host: "210987654321.dkr.ecr.us-east-1.amazonaws.com" } }`, 'grants: [{ repositories: ["Codertocat/Hello-World"], registry: main, prefix: jenkins-agents }]', ''].join('\n'),
  'operator.yml',
);

const config = (registry: string) => dockyardYml(registry);

const job: PullRequestJob = {
  owner: 'Codertocat',
  repo: 'Hello-World',
  number: 2,
  headSha,
  defaultBranch: 'master',
  trusted: true,
  htmlUrl: 'https://github.com/Codertocat/Hello-World',
};

const { github, expectAllRequestsMade: expectRequests } = useGitHubNock();

beforeAll(() => {
  process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
});

/** Every request made was expected and every one expected was made (the catalog's reading aside: not this test's). */
function expectAllRequestsMade() {
  expectRequests(/\/git\/(blobs|trees)\//);
}

/** The start of every check: the default branch's config, the pull request's files, the check run. */
function mockStart(dockyardYml: string) {
  mockFile(github, '.github/dockyard.yml', 'master', dockyardYml);
  mockPullFiles(github, 2, [{ filename: 'images/python/Dockerfile', status: 'modified' }]);
  github.post(`${repoPath}/check-runs`, { name: 'Dockyard', head_sha: headSha, status: 'in_progress' }).reply(201, { id: 42, html_url: 'https://github.com/Codertocat/Hello-World/runs/42' });
  const updates: { conclusion: string; output: { title: string; summary: string; annotations: { title: string; message: string; start_line: number }[] } }[] = [];
  github.patch(`${repoPath}/check-runs/42`, capture(updates)).reply(200, {});
  mockComments(github, 2, []);
  const comments: { body: string }[] = [];
  github.post(`${repoPath}/issues/2/comments`, capture(comments)).reply(201, { id: 8 });
  return { updates, comments };
}

/** Builds that succeed and record what they pulled and which registry's credentials they asked for. */
function fakeBuilds() {
  const pulled: string[] = [];
  const authFor: (OperatorRegistry | undefined)[] = [];
  const buildArgs: Record<string, string>[] = [];
  const ports = succeedingBuildPorts({
    async buildImage(request) {
      buildArgs.push(request.buildArgs);
      return { status: 'built', imageId: `sha256:${request.image}`, frontend: 'buildkit-0.8', logTail: [] };
    },
    async pullImage(reference) {
      pulled.push(reference);
      return reference.endsWith('/base:latest') ? 'sha256:published-base' : null;
    },
  });
  const deps: PullRequestBuildDeps = {
    store: new StateStore(':memory:'),
    mirrors: [],
    ports,
    async registryAuth(registry) {
      authFor.push(registry);
      return { registry: registry?.host ?? 'default.example.com', endpoint: `https://${registry?.host ?? 'default.example.com'}`, username: 'AWS', password: 'ecr-password' };
    },
  };
  return { deps, pulled, authFor, buildArgs };
}

describe('pull request checks resolve the registry through the operator grants', () => {
  it('reports a registry the operator has not granted as a config failure, at its file and line, before checking anything', async () => {
    const { updates, comments } = mockStart(config('other'));

    await checkPullRequest(octokit, log, job, undefined, operator);

    expectAllRequestsMade();
    expect(updates).toHaveLength(1);
    expect(updates[0]?.conclusion).toBe('failure');
    expect(updates[0]?.output.title).toBe('Dockyard: config not granted by the operator');
    expect(updates[0]?.output.annotations).toEqual([
      expect.objectContaining({
        path: '.github/dockyard.yml',
        start_line: 2,
        end_line: 2,
        annotation_level: 'failure',
        title: 'Not granted: registry',
        message: expect.stringContaining('Codertocat/Hello-World has no grant to publish to registry "other"'),
      }),
    ]);
    const body = comments[0]?.body ?? '';
    expect(body.startsWith('<!-- dockyard:report -->\n## ❌ Dockyard: config not granted by the operator\n')).toBe(true);
    expect(body).toContain('- `.github/dockyard.yml:2` **registry**: Codertocat/Hello-World has no grant to publish to registry "other".');
  });

  it('judges a registry chosen by name against its host: a parent written with the host is a catalog image', async () => {
    const python = `FROM ${host}/jenkins-agents/base\nUSER jenkins\n`;
    const catalog = new FakeRepository(headSha, { 'images/base/Dockerfile': base, 'images/python/Dockerfile': python });
    const mockChecked = () => {
      const mocks = mockStart(config('main'));
      mockFile(github, '.hadolint.yaml', 'master', 'ignored: [DL3006, DL3066]\n');
      catalog.mockCatalog(github);
      return mocks;
    };

    const withGrants = mockChecked();
    await checkPullRequest(octokit, log, job, undefined, operator);
    expectAllRequestsMade();
    expect(withGrants.updates[0]?.output.annotations ?? []).toEqual([]);
    expect(withGrants.updates[0]?.conclusion).toBe('success');

    // The same check with `main` taken as a host (no operator settings) finds no such catalog image.
    nock.cleanAll();
    const raw = mockChecked();
    await checkPullRequest(octokit, log, job, undefined, undefined);
    expectAllRequestsMade();
    expect(raw.updates[0]?.conclusion).toBe('failure');
    expect(raw.updates[0]?.output.annotations.map((annotation) => annotation.title).filter((title) => title.startsWith('DY001'))).toHaveLength(1);
  });

  it('builds against the granted registry: its credentials, and published parents pulled from its host', async () => {
    const python = 'ARG REGISTRY=registry.example.com\nFROM ${REGISTRY}/jenkins-agents/base\nUSER jenkins\n';
    const repo = new FakeRepository(headSha, { 'images/base/Dockerfile': base, 'images/python/Dockerfile': python });
    const { updates } = mockStart(config('main'));
    mockFile(github, '.hadolint.yaml', 'master', 'ignored: [DL3006, DL3066]\n');
    repo.mockCatalog(github);
    mockFile(github, '.trivyignore', 'master', null);
    await repo.mockTarball(github);
    const builds = fakeBuilds();

    await checkPullRequest(octokit, log, job, builds.deps, operator);

    expectAllRequestsMade();
    expect(updates[0]?.conclusion).toBe('success');
    expect(builds.authFor).toEqual([operator.registries['main']]);
    // python's parent is not in the change, so the published one is pulled: from the host, never from `main/…`.
    expect(builds.pulled).toContain(`${host}/jenkins-agents/base:latest`);
    expect(builds.pulled.filter((reference) => reference.startsWith('main/'))).toEqual([]);
    expect(builds.buildArgs).toHaveLength(1);
  });
});
