import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import type { OperatorSettings } from '../../src/config/operator-schema.ts';
import { parseOperatorSettings } from '../../src/config/read-operator-settings.ts';
import { registerJenkins } from '../../src/jobs/register-jenkins.ts';
import { serveCasc } from '../../src/server/serve-casc.ts';
import { cascVersions } from '../jenkins-sim/casc-versions.ts';
import { cloneAttributes, cloudAttributes, type AttributeSpec } from '../jenkins-sim/plugin-attributes.ts';
import { start, type JenkinsSim, type SimOptions } from '../jenkins-sim/jenkins-sim.ts';
import { readTag } from '../../src/adapters/registry/read-manifest.ts';
import { api, mockFile, repoPath } from '../mocks/github-api.ts';
import { capture, compareAnswer, contents, FakeRepository, mockPublishRequests, pushEvent, startHarness, testConfig, zero, type Harness } from './harness.ts';
import { testOctokit } from '../mocks/test-probot.ts';

const processEnv: NodeJS.ProcessEnv = {
  JENKINS_API_TOKEN: 'api-token-0123456789',
};
let harness: Harness;
let jenkins: JenkinsSim;
let oldJenkins: JenkinsSim;
/** CASC_JENKINS_CONFIG of the controller: filled in once the app's URL and the repository's capability exist. */
const sources: { urls: { url: string }[] } = { urls: [] };

const commits = ['1111111111111111111111111111111111111111', '2222222222222222222222222222222222222222', '3333333333333333333333333333333333333333', '4444444444444444444444444444444444444444'];

function files(h: Harness, controller: string, withPython: boolean, baseNote = 'one'): Record<string, string> {
  const result: Record<string, string> = {
    '.github/dockyard.yml': testConfig(
      h,
      'scan:',
      '  failOn: []',
      'jenkins:',
      `  controller: ${controller}`,
      '  clouds:',
      '    - kind: docker',
      '      name: agents',
      '      dockerHost:',
      '        uri: unix:///var/run/docker.sock',
    ),
    'images/base/Dockerfile': `FROM ${h.upstream}\nUSER root\nRUN echo ${baseNote} > /etc/agent-base\nUSER jenkins\n`,
    'images/base/image.yml': 'label: base\n',
  };
  if (withPython) {
    result['images/python/Dockerfile'] = `ARG REGISTRY=registry.example.com\nFROM \${REGISTRY}/${h.prefix}/base\nUSER root\nRUN echo python > /etc/agent-python\nUSER jenkins\n`;
    result['images/python/image.yml'] = 'label: python python3\njenkins:\n  memory: 4096\n';
  }
  return result;
}

/** Mocks one registration's GitHub requests: config, the check run, the merged pull request's comment. */
function mockRegister(h: Harness, repo: FakeRepository, existingComment: boolean) {
  h.github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: repo.sha }).reply(200, contents(repo.files['.github/dockyard.yml'] ?? ''));
  const started: { name: string }[] = [];
  h.github.post(`${repoPath}/check-runs`, capture(started)).reply(201, { id: 88, html_url: 'https://github.com/Codertocat/Hello-World/runs/88' });
  const updates: { conclusion: string; output: { title: string; summary: string } }[] = [];
  h.github.patch(`${repoPath}/check-runs/88`, capture(updates)).reply(200, {});
  h.github.get(`${repoPath}/commits/${repo.sha}/pulls`).reply(200, [{ number: 2, merged_at: '2026-11-29T05:00:00Z' }]);
  const comments: { body: string }[] = [];
  if (existingComment) {
    h.github.get(`${repoPath}/issues/2/comments`).query({ per_page: 100 }).reply(200, [{ id: 31, body: '<!-- dockyard:jenkins -->\nearlier', user: { login: 'dockyard[bot]', type: 'Bot' } }]);
    h.github.patch(`${repoPath}/issues/comments/31`, capture(comments)).reply(200, { id: 31 });
  } else {
    h.github.get(`${repoPath}/issues/2/comments`).query({ per_page: 100 }).reply(200, []);
    h.github.post(`${repoPath}/issues/2/comments`, capture(comments)).reply(201, { id: 31 });
  }
  return { started, updates, comments };
}

/** Waits for a condition the job queue reaches in the background (retries run on a timer). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await harness.services.queue.idle();
  }
}

function expectAllRequestsMade(h: Harness): void {
  expect(h.unmatched).toEqual([]);
  expect(h.github.pendingMocks()).toEqual([]);
}

function templates() {
  return jenkins.state.clouds.flatMap((cloud) => cloud.templates.map((template) => [template['labelString'], (template['dockerTemplateBase'] as { image: string }).image]));
}

describe('registering published images with Jenkins', () => {
  beforeAll(async () => {
    jenkins = await start({ users: { dockyard: 'api-token-0123456789' }, sources });
    // A controller whose docker plugin predates the template field `remoteFs`.
    const older = cloneAttributes(cloudAttributes);
    const dockerTemplates = (older['docker'] as Extract<AttributeSpec, { kind: 'object' }>).attributes['templates'] as Extract<AttributeSpec, { kind: 'list' }>;
    delete (dockerTemplates.item as Extract<AttributeSpec, { kind: 'object' }>).attributes['remoteFs'];
    oldJenkins = await start({ users: { dockyard: 'api-token-0123456789' }, cloudAttributes: older });
    harness = await startHarness({ processEnv, queueOptions: { backoffMs: () => 100 }, jenkinsControllers: { main: jenkins.url, old: oldJenkins.url } });
    // Jenkins reads Dockyard's document from the app's URL on every reload, as CASC_JENKINS_CONFIG makes it:
    // a plain URL holding the repository's capability, as released JCasC fetches it.
    const { capability } = harness.services.store.serveCredential('Codertocat/Hello-World');
    sources.urls.push({ url: `${harness.appUrl}/jenkins/casc/Codertocat/Hello-World/${capability}/agents.yaml` });
  }, 600_000);

  afterAll(async () => {
    await jenkins?.stop();
    await oldJenkins?.stop();
    await harness?.close();
  });

  it('merging images makes Jenkins hold a template per image, under its label, pinned to the pushed digest', async () => {
    const h = harness;
    const repo = new FakeRepository(commits[0] as string, files(h, 'main', true));
    const publish = await mockPublishRequests(h, repo, zero, 'none');
    const register = mockRegister(h, repo, false);

    await h.probot.receive({ id: 'j1', name: 'push', payload: pushEvent(zero, repo.sha) } as never);
    await h.services.queue.idle();

    expectAllRequestsMade(h);
    expect(publish.updates[0]?.output.title).toBe('Dockyard: published 2 images');
    expect(register.started).toEqual([{ name: 'Dockyard Jenkins', head_sha: repo.sha, status: 'in_progress' }]);
    expect(register.updates[0]?.conclusion).toBe('success');
    const auth = { registry: h.ci.host, username: h.ci.user, password: h.ci.password };
    const base = await readTag(h.ci.url, auth, `${h.prefix}/base`, `sha-${repo.sha}`);
    const python = await readTag(h.ci.url, auth, `${h.prefix}/python`, `sha-${repo.sha}`);
    expect(templates()).toEqual([
      ['base', `${h.ci.host}/${h.prefix}/base@${base?.manifestDigest}`],
      ['python python3', `${h.ci.host}/${h.prefix}/python@${python?.manifestDigest}`],
    ]);
    expect(register.comments[0]?.body).toContain(`| python | \`python python3\` | \`${h.ci.host}/${h.prefix}/python@${python?.manifestDigest}\` |`);
    expect(JSON.stringify(register)).not.toContain('api-token-0123456789');
  }, 600_000);

  it('deleting an image folder removes its template on merge', async () => {
    const h = harness;
    h.services.store.blobs.forgetBlobs();
    const repo = new FakeRepository(commits[1] as string, files(h, 'main', false));
    h.github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: repo.sha }).reply(200, contents(repo.files['.github/dockyard.yml'] ?? ''));
    h.github
      .get(`${repoPath}/compare/${commits[0]}...${repo.sha}`)
      .query({ per_page: 100 })
      .reply(200, compareAnswer('ahead', 1, 0, [{ filename: 'images/python/Dockerfile', status: 'removed' }, { filename: 'images/python/image.yml', status: 'removed' }]));
    // Removing an image's state is a move of the published state: only for a commit on the default branch.
    h.github.get(`${repoPath}/compare/${repo.sha}...master`).query({ per_page: 100 }).reply(200, compareAnswer('identical', 0, 0));
    repo.mockCatalog(h.github);
    const register = mockRegister(h, repo, true);

    await h.probot.receive({ id: 'j2', name: 'push', payload: pushEvent(commits[0] as string, repo.sha) } as never);
    await h.services.queue.idle();

    expectAllRequestsMade(h);
    expect(register.updates[0]?.conclusion).toBe('success');
    expect(templates().map(([label]) => label)).toEqual(['base']);
  }, 600_000);

  it('Jenkins down during publish: the push happens once, and the template appears when Jenkins is back', async () => {
    const h = harness;
    const repo = new FakeRepository(commits[2] as string, files(h, 'main', false, 'three'));
    // base was last published by the first commit, not by this push's `before`.
    const publish = await mockPublishRequests(h, repo, commits[1] as string, [{ filename: 'images/base/Dockerfile', status: 'modified' }], {
      compare: { [`${commits[0]}...${repo.sha}`]: compareAnswer('ahead', 2, 0) },
    });
    const down = mockRegister(h, repo, true);
    await jenkins.down();

    await h.probot.receive({ id: 'j3', name: 'push', payload: pushEvent(commits[1] as string, repo.sha) } as never);
    await eventually(() => down.updates.length > 0, 'the first registration attempt');
    expect(publish.updates[0]?.output.title).toBe('Dockyard: published 1 image');
    expect(down.updates[0]?.conclusion).toBe('neutral');
    expect(down.updates[0]?.output.title).toBe('Dockyard: waiting for Jenkins');

    const back = mockRegister(h, repo, true);
    await jenkins.up();
    await eventually(() => back.updates.length > 0, 'the registration after Jenkins came back');
    expectAllRequestsMade(h);
    expect(back.updates[0]?.conclusion).toBe('success');
    const base = await readTag(h.ci.url, { registry: h.ci.host, username: h.ci.user, password: h.ci.password }, `${h.prefix}/base`, `sha-${repo.sha}`);
    expect(templates()).toEqual([['base', `${h.ci.host}/${h.prefix}/base@${base?.manifestDigest}`]]);
  }, 600_000);

  it('a wrong API token is reported as such, without the token, and retried', async () => {
    const h = harness;
    const repo = new FakeRepository(commits[3] as string, files(h, 'main', true, 'three'));
    processEnv['JENKINS_API_TOKEN'] = 'wrong-token-0123456789';
    const publish = await mockPublishRequests(h, repo, commits[2] as string, [{ filename: 'images/python/Dockerfile', status: 'added' }]);
    const refused = mockRegister(h, repo, true);

    await h.probot.receive({ id: 'j4', name: 'push', payload: pushEvent(commits[2] as string, repo.sha) } as never);
    await eventually(() => refused.updates.length > 0, 'the refused registration');
    expect(publish.updates[0]?.output.title).toBe('Dockyard: published 1 image');
    expect(refused.updates[0]?.output.title).toBe('Dockyard: waiting for Jenkins');
    expect(refused.updates[0]?.output.summary).toMatch(/API token/);
    expect(JSON.stringify(refused)).not.toContain('wrong-token-0123456789');

    const fixed = mockRegister(h, repo, true);
    processEnv['JENKINS_API_TOKEN'] = 'api-token-0123456789';
    await eventually(() => fixed.updates.length > 0, 'the registration with the right token');
    expectAllRequestsMade(h);
    expect(templates().map(([label]) => label)).toEqual(['base', 'python python3']);
  }, 600_000);

  it('a document the check endpoint rejects is reported with Jenkins\' words and never reloaded', async () => {
    const h = harness;
    {
      const repo = new FakeRepository('5555555555555555555555555555555555555555', files(h, 'old', true, 'three'));
      h.services.store.blobs.forgetBlobs();
      h.github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: repo.sha }).reply(200, contents(repo.files['.github/dockyard.yml'] ?? ''));
      h.github
        .get(`${repoPath}/compare/${commits[3]}...${repo.sha}`)
        .query({ per_page: 100 })
        .reply(200, compareAnswer('ahead', 1, 0, [{ filename: 'images/python/image.yml', status: 'removed' }]));
      h.github.get(`${repoPath}/compare/${repo.sha}...master`).query({ per_page: 100 }).reply(200, compareAnswer('identical', 0, 0));
      repo.mockCatalog(h.github);
      // The image.yml change re-publishes python (same image: already published) and re-registers.
      h.github.post(`${repoPath}/check-runs`).reply(201, { id: 79, html_url: 'https://github.com/Codertocat/Hello-World/runs/79' });
      h.github.get(`${repoPath}/contents/.trivyignore`).query({ ref: repo.sha }).reply(404, { message: 'Not Found' });
      for (const file of ['.hadolint.yaml', '.hadolint.yml']) {
        h.github.get(`${repoPath}/contents/${file}`).query({ ref: repo.sha }).reply(404, { message: 'Not Found' });
      }
      await repo.mockTarball(h.github);
      h.github.patch(`${repoPath}/check-runs/79`).reply(200, {});
      h.github.get(`${repoPath}/commits/${repo.sha}/pulls`).reply(200, []);
      const rejected = mockRegister(h, repo, true);

      await h.probot.receive({ id: 'j5', name: 'push', payload: pushEvent(commits[3] as string, repo.sha) } as never);
      await h.services.queue.idle();

      expectAllRequestsMade(h);
      expect(rejected.updates[0]?.conclusion).toBe('failure');
      expect(rejected.updates[0]?.output.title).toBe('Dockyard: Jenkins rejected the agent templates');
      expect(rejected.updates[0]?.output.summary).toMatch(/agents\.yaml line \d+: .*remoteFs/);
      expect(oldJenkins.state.applied).toBe(0);
      expect(oldJenkins.state.requests.some((request) => request.url.includes('reload'))).toBe(false);
    }
  }, 600_000);
});

// The registration job on its own, against the strict simulator configured as released JCasC: Jenkins
// fetches Dockyard's documents from the app's serve route by the capability URL, with no Authorization
// header (configuration-as-code-plugin DefaultHttpFetcher), and reloads with an API token.
describe('registration against released JCasC, served by capability URL', () => {
  const owner = 'Codertocat/Hello-World';
  const commit = 'c'.repeat(40);
  const job = { owner: 'Codertocat', repo: 'Hello-World', commit, installationId: 1 };
  const octokit = testOctokit();
  const env = { JENKINS_API_TOKEN: 'api-token-0123456789' };
  const config = [
    'registry: main',
    'prefix: agents',
    'jenkins:',
    '  controller: main',
    '  clouds:',
    '    - { kind: kubernetes, name: k8s-agents, namespace: agents }',
    '    - { kind: docker, name: docker-agents, dockerHost: { uri: "unix:///var/run/docker.sock" }, connector: jnlp, jenkinsUrl: "https://jenkins.example.com/" }',
    '',
  ].join('\n');
  let dir: string;
  let stopping: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dockyard-register-'));
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });

  afterEach(async () => {
    for (const stop of stopping) await stop();
    stopping = [];
    nock.cleanAll();
  });

  afterAll(async () => {
    nock.enableNetConnect();
    await rm(dir, { recursive: true, force: true });
  });

  function operator(url: string, ownership = ''): OperatorSettings {
    return parseOperatorSettings(
      [
        'registries: { main: { host: 127.0.0.1:5000 } }',
        'jenkins:',
        '  main:',
        `    url: ${url}`,
        '    allowInsecureHttp: true',
        '    auth: { user: dockyard, apiTokenEnv: JENKINS_API_TOKEN }',
        '    delivery: { serve: { enabled: true } }',
        ...(ownership === '' ? [] : [`    cloudOwnership: ${ownership}`]),
        'grants: [{ repositories: ["Codertocat/*"], registry: main, prefix: agents, jenkins: [main] }]',
        '',
      ].join('\n'),
      'operator.yml',
    );
  }

  /** The app as it runs: its state on disk, its serve route on loopback (recording what Jenkins sends). */
  async function startApp(file: string) {
    const store = new StateStore(file);
    const fetches: { url: string; authorization: string | undefined }[] = [];
    const serve = serveCasc(store);
    const server = createServer((request, response) => {
      fetches.push({ url: request.url ?? '', authorization: request.headers.authorization });
      if (!serve(request, response)) response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const stop = async (): Promise<void> => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      store.close();
    };
    stopping.push(stop);
    for (const image of ['base', 'python']) {
      store.setPublishedImage({
        repo: owner,
        image,
        repository: `127.0.0.1:5000/agents/${image}`,
        digest: `sha256:${(image === 'base' ? 'a' : 'b').repeat(64)}`,
        label: image,
        // An image.yml value that looks like a JCasC lookup: it must reach Jenkins as these characters.
        ...(image === 'python' ? { overrides: { remoteFs: '/home/${readFile:/x}' } } : {}),
        commit,
      });
    }
    return { store, fetches, url, stop, capability: store.serveCredential(owner).capability };
  }

  /** A logger whose every record is kept, to show what the app would have logged. */
  function recordingLog() {
    const lines: string[] = [];
    const log = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    return { log, lines };
  }

  function mockGitHub() {
    const github = mockFile(nock(api), '.github/dockyard.yml', commit, config);
    const updates: { conclusion: string; output: { title: string; summary: string } }[] = [];
    github.post(`${repoPath}/check-runs`).reply(201, { id: 7, html_url: 'https://github.com/Codertocat/Hello-World/runs/7' });
    github.patch(`${repoPath}/check-runs/7`, capture(updates)).reply(200, {});
    github.get(`${repoPath}/commits/${commit}/pulls`).reply(200, [{ number: 2, merged_at: '2026-11-29T05:00:00Z' }]);
    const comments: { body: string }[] = [];
    github.get(`${repoPath}/issues/2/comments`).query({ per_page: 100 }).reply(200, []);
    github.post(`${repoPath}/issues/2/comments`, capture(comments)).reply(201, { id: 31 });
    return { github, updates, comments };
  }

  async function startJenkins(app: { url: string; capability: string }, options: Partial<SimOptions> = {}) {
    const sim = await start({
      cascVersion: cascVersions.v2117,
      users: { dockyard: env.JENKINS_API_TOKEN },
      sources: {
        urls: ['k8s-agents', 'docker-agents'].map((cloud) => ({ url: `${app.url}/jenkins/casc/${owner}/${app.capability}/${cloud}.yaml` })),
      },
      ...options,
    });
    stopping.push(() => sim.stop());
    return sim;
  }

  it('registers over the capability URL with no Authorization header, and the capability never reaches a log or comment', async () => {
    const app = await startApp(path.join(dir, 'served.sqlite'));
    const sim = await startJenkins(app);
    const { log, lines } = recordingLog();
    const gh = mockGitHub();

    await registerJenkins({ octokit, log, store: app.store, env, operator: operator(sim.url.replace(/\/$/, '')) }, job);

    expect(gh.github.isDone()).toBe(true);
    expect(gh.updates[0]?.conclusion).toBe('success');
    expect(sim.state.clouds.map((cloud) => `${cloud.kind}:${cloud.name}`)).toEqual(['kubernetes:k8s-agents', 'docker:docker-agents']);
    const served = app.fetches.filter((fetch) => fetch.url.includes('/jenkins/casc/'));
    expect(served).toHaveLength(2);
    expect(served.every((fetch) => fetch.authorization === undefined)).toBe(true);
    // Escaped as ^${ in the document, applied as the literal characters, never looked up.
    const python = sim.state.clouds[0]?.templates.find((template) => template['name'] === 'python') as { containers: { workingDir: string }[] };
    expect(python.containers[0]?.workingDir).toBe('/home/${readFile:/x}');
    expect(sim.state.lookups).toEqual([]);
    const docker = sim.state.clouds[1]?.templates[0] as { connector: unknown };
    expect(docker.connector).toEqual({ jnlp: { jenkinsUrl: 'https://jenkins.example.com/', user: 'jenkins' } });
    const everything = [...lines, JSON.stringify(gh.updates), JSON.stringify(gh.comments)].join('\n');
    expect(everything).not.toContain(app.capability);
    expect(everything).not.toContain(env.JENKINS_API_TOKEN);
  });

  it('redacts the capability from what Jenkins says back: a source it cannot fetch is named by its URL', async () => {
    const app = await startApp(path.join(dir, 'echo.sqlite'));
    const missing = `${app.url}/jenkins/casc/${owner}/${app.capability}/retired-cloud.yaml`;
    const jenkins = await start({ cascVersion: cascVersions.v2117, users: { dockyard: env.JENKINS_API_TOKEN }, sources: { urls: [{ url: missing }] } });
    stopping.push(() => jenkins.stop());
    const { log, lines } = recordingLog();
    const gh = mockGitHub();

    await registerJenkins({ octokit, log, store: app.store, env, operator: operator(jenkins.url) }, job);

    expect(gh.updates[0]?.conclusion).toBe('failure');
    expect(gh.updates[0]?.output.summary).toContain('Failed to fetch configuration from');
    expect(gh.updates[0]?.output.summary).toContain('[REDACTED]');
    const everything = [...lines, JSON.stringify(gh.updates), JSON.stringify(gh.comments)].join('\n');
    expect(everything).not.toContain(app.capability);
  });

  it('keeps every pod template id across two renders and two app restarts', async () => {
    const file = path.join(dir, 'restarts.sqlite');
    const ids: string[][] = [];
    for (let run = 0; run < 3; run += 1) {
      const app = await startApp(file);
      const sim = await startJenkins(app);
      mockGitHub();
      await registerJenkins({ octokit, log: pino({ level: 'silent' }), store: app.store, env, operator: operator(sim.url) }, job);
      ids.push((sim.state.clouds[0]?.templates ?? []).map((template) => String(template['id'])));
      if (run === 0) {
        mockGitHub();
        await registerJenkins({ octokit, log: pino({ level: 'silent' }), store: app.store, env, operator: operator(sim.url) }, job);
        ids.push((sim.state.clouds[0]?.templates ?? []).map((template) => String(template['id'])));
      }
      await app.stop();
      stopping = stopping.filter((stop) => stop !== app.stop);
    }
    expect(ids).toHaveLength(4);
    expect(ids[0]).toHaveLength(2);
    expect(ids[0]?.every((id) => /^[0-9a-f-]{36}$/.test(id))).toBe(true);
    for (const later of ids.slice(1)) expect(later).toEqual(ids[0]);
  });

  it('refuses to reload a controller holding a hand-made cloud, naming it, and leaves Jenkins as it was', async () => {
    const app = await startApp(path.join(dir, 'hand-made.sqlite'));
    const sim = await startJenkins(app, { handMadeClouds: [{ kind: 'kubernetes', name: 'made-in-the-ui' }] });
    const gh = mockGitHub();

    await registerJenkins({ octokit, log: pino({ level: 'silent' }), store: app.store, env, operator: operator(sim.url) }, job);

    expect(gh.updates[0]?.conclusion).toBe('failure');
    expect(gh.updates[0]?.output.summary).toContain('Reloading would remove the cloud \\"made-in-the-ui\\" (kubernetes)'.replaceAll('\\', ''));
    expect(gh.comments[0]?.body).toContain('made-in-the-ui');
    expect(sim.state.applied).toBe(0);
    expect(sim.state.requests.some((request) => request.url.includes('reload'))).toBe(false);
    expect(sim.state.clouds.map((cloud) => cloud.name)).toEqual(['made-in-the-ui']);
  });

  it('proceeds with the takeover acknowledged, and the hand-made cloud is gone as JCasC makes it', async () => {
    const app = await startApp(path.join(dir, 'take-over.sqlite'));
    const sim = await startJenkins(app, { handMadeClouds: [{ kind: 'kubernetes', name: 'made-in-the-ui' }] });
    const gh = mockGitHub();

    await registerJenkins({ octokit, log: pino({ level: 'silent' }), store: app.store, env, operator: operator(sim.url, '{ takeOver: true }') }, job);

    expect(gh.updates[0]?.conclusion).toBe('success');
    expect(sim.state.clouds.map((cloud) => cloud.name)).toEqual(['k8s-agents', 'docker-agents']);
  });

  it('accepts a cloud another CasC source declares, and refuses a cloud name declared there too', async () => {
    const app = await startApp(path.join(dir, 'other-sources.sqlite'));
    const sim = await startJenkins(app, { handMadeClouds: [{ kind: 'ecs', name: 'static-ecs' }] });
    mockGitHub();
    await registerJenkins({ octokit, log: pino({ level: 'silent' }), store: app.store, env, operator: operator(sim.url, '{ otherSources: [static-ecs] }') }, job);
    expect(sim.state.applied).toBe(1);

    const gh = mockGitHub();
    await registerJenkins({ octokit, log: pino({ level: 'silent' }), store: app.store, env, operator: operator(sim.url, '{ otherSources: [k8s-agents], takeOver: true }') }, job);
    expect(gh.updates[0]?.conclusion).toBe('failure');
    expect(gh.updates[0]?.output.summary).toContain('k8s-agents');
    expect(gh.updates[0]?.output.summary).toContain("the controller's other CasC sources too");
    expect(sim.state.applied).toBe(1);
  });
});
