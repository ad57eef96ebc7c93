import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudAttributes, type AttributeSpec } from '../jenkins-sim/plugin-attributes.ts';
import { start, type JenkinsSim } from '../jenkins-sim/jenkins-sim.ts';
import { clearBlobCache } from '../../src/adapters/github/read-catalog-folders.ts';
import { readTag } from '../../src/adapters/registry/read-manifest.ts';
import { repoPath } from '../mocks/github-api.ts';
import { capture, contents, FakeRepository, mockPublishRequests, pushEvent, startHarness, testConfig, zero, type Harness } from './harness.ts';

const processEnv: NodeJS.ProcessEnv = {
  JENKINS_API_TOKEN: 'api-token-0123456789',
};
let harness: Harness;
let jenkins: JenkinsSim;
let oldJenkins: JenkinsSim;
/** CASC_JENKINS_CONFIG of the controller: filled in once the app's URL and the repository's capability exist. */
const sources: { urls: { url: string }[] } = { urls: [] };

beforeAll(async () => {
  jenkins = await start({ users: { dockyard: 'api-token-0123456789' }, sources });
  // A controller whose docker plugin predates the template field `remoteFs`.
  const older = structuredClone(cloudAttributes) as Record<string, AttributeSpec>;
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
    clearBlobCache();
    const repo = new FakeRepository(commits[1] as string, files(h, 'main', false));
    h.github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: repo.sha }).reply(200, contents(repo.files['.github/dockyard.yml'] ?? ''));
    h.github
      .get(`${repoPath}/compare/${commits[0]}...${repo.sha}`)
      .query({ per_page: 100 })
      .reply(200, { files: [{ filename: 'images/python/Dockerfile', status: 'removed' }, { filename: 'images/python/image.yml', status: 'removed' }] });
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
    const publish = await mockPublishRequests(h, repo, commits[1] as string, [{ filename: 'images/base/Dockerfile', status: 'modified' }]);
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
      clearBlobCache();
      h.github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: repo.sha }).reply(200, contents(repo.files['.github/dockyard.yml'] ?? ''));
      h.github
        .get(`${repoPath}/compare/${commits[3]}...${repo.sha}`)
        .query({ per_page: 100 })
        .reply(200, { files: [{ filename: 'images/python/image.yml', status: 'removed' }] });
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
