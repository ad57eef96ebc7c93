import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as jenkinsSim from './jenkins-sim.ts';
import { startYamlSource, type YamlSourceServer } from './yaml-source-server.ts';

// Tests of the simulator against the contract it claims (sources cited in jenkins-sim.ts), so the client
// tests that rely on it rely on something checked.

const admin = { user: 'dockyard', token: '11aa22bb33cc44dd55ee66ff77889900' };
const basic = (user: string, token: string): string => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
const goldens = new URL('../domain/jenkins/golden/', import.meta.url);

const ecsDocument = [
  'jenkins:',
  '  clouds:',
  '    - ecs:',
  '        name: "ecs-agents"',
  '        cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/agents"',
  '        templates:',
  '          - templateName: "base"',
  '            label: "base"',
  '            image: "repo/base@sha256:aaaa"',
  '',
].join('\n');

let running: Array<{ stop(): Promise<void> }> = [];
let tempDir: string | undefined;

afterEach(async () => {
  await Promise.all(running.map((server) => server.stop()));
  running = [];
  if (tempDir !== undefined) await rm(tempDir, { recursive: true });
  tempDir = undefined;
});

async function startSim(options: jenkinsSim.SimOptions = {}): Promise<jenkinsSim.JenkinsSim> {
  const sim = await jenkinsSim.start({ users: { [admin.user]: admin.token }, ...options });
  running.push(sim);
  return sim;
}

async function startSource(text: string, bearer?: string): Promise<YamlSourceServer> {
  const source = await startYamlSource(text, bearer);
  running.push(source);
  return source;
}

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers, redirect: 'manual' });
}

function check(sim: jenkinsSim.JenkinsSim, yaml: string): Promise<Response> {
  return post(`${sim.url}configuration-as-code/check`, yaml, { Authorization: basic(admin.user, admin.token) });
}

describe('authentication and crumbs', () => {
  it('answers a wrong API token with 401 and the Basic challenge, even where no login is needed', async () => {
    const sim = await startSim({ reloadToken: 'reload-secret' });
    for (const url of [`${sim.url}configuration-as-code/check`, `${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`]) {
      const response = await post(url, ecsDocument, { Authorization: basic(admin.user, 'wrong') });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="Jenkins"');
    }
    const unknownUser = await post(`${sim.url}configuration-as-code/check`, ecsDocument, { Authorization: basic('nobody', admin.token) });
    expect(unknownUser.status).toBe(401);
    expect(sim.state.applied).toBe(0);
  });

  it('lets an API-token POST through without a crumb', async () => {
    const sim = await startSim();
    const response = await check(sim, ecsDocument);
    expect(response.status).toBe(200);
  });

  it('stops a POST without credentials at the crumb filter with 403', async () => {
    const sim = await startSim();
    const response = await post(`${sim.url}configuration-as-code/check`, ecsDocument);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('No valid crumb was included in the request');
  });

  it('gives anonymous callers 403 rather than a crumb', async () => {
    const sim = await startSim();
    const response = await fetch(`${sim.url}crumbIssuer/api/json`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-you-are-authenticated-as')).toBe('anonymous');
  });

  it('binds the crumb to the session cookie: session POSTs need it, other sessions cannot reuse it', async () => {
    const sim = await startSim();
    const issued = await fetch(`${sim.url}crumbIssuer/api/json`, { headers: { Authorization: basic(admin.user, admin.token) } });
    const cookie = (issued.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const body = (await issued.json()) as { crumb: string; crumbRequestField: string };
    expect(body.crumbRequestField).toBe('Jenkins-Crumb');
    expect(cookie).toMatch(/^JSESSIONID\.\w+=.+/);

    const withoutCrumb = await post(`${sim.url}configuration-as-code/check`, ecsDocument, { Cookie: cookie });
    expect(withoutCrumb.status).toBe(403);
    expect(await withoutCrumb.text()).toContain('No valid crumb was included in the request');

    const withCrumb = await post(`${sim.url}configuration-as-code/check`, ecsDocument, { Cookie: cookie, 'Jenkins-Crumb': body.crumb });
    expect(withCrumb.status).toBe(200);

    const other = await fetch(`${sim.url}crumbIssuer/api/json`, { headers: { Authorization: basic(admin.user, admin.token) } });
    const otherCookie = (other.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const mixed = await post(`${sim.url}configuration-as-code/check`, ecsDocument, { Cookie: otherCookie, 'Jenkins-Crumb': body.crumb });
    expect(mixed.status).toBe(403);
  });
});

describe('POST /configuration-as-code/check', () => {
  for (const kind of ['ecs', 'kubernetes', 'docker']) {
    it(`accepts the reviewed ${kind} golden file: every field name is one the plugin defines`, async () => {
      const sim = await startSim();
      const response = await check(sim, await readFile(new URL(`${kind}.yaml`, goldens), 'utf8'));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([]);
      expect(sim.state.applied).toBe(0);
    });
  }

  it('rejects an ECS template field the plugin does not have, at its line', async () => {
    const sim = await startSim();
    const response = await check(sim, ecsDocument.replace('label: "base"', 'remoteFsRoot: "/home/jenkins"'));
    expect(response.status).toBe(400);
    const [issue, ...others] = (await response.json()) as Array<{ line: number; message: string }>;
    expect(others).toEqual([]);
    expect(issue?.line).toBe(8);
    expect(issue?.message).toMatch(
      /^Invalid configuration elements for type: class com\.cloudbees\.jenkins\.plugins\.amazonecs\.ECSTaskTemplate : remoteFsRoot\.\nAvailable attributes : .*\bremoteFSRoot\b/,
    );
  });

  it('rejects a Kubernetes container field the plugin does not have, at its line', async () => {
    const sim = await startSim();
    const yaml = [
      'jenkins:',
      '  clouds:',
      '    - kubernetes:',
      '        name: "eks"',
      '        templates:',
      '          - name: "base"',
      '            containers:',
      '              - name: "jnlp"',
      '                image: "repo/base@sha256:aaaa"',
      '                imagePullPolicy: "Always"',
    ].join('\n');
    const response = await check(sim, yaml);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual([
      {
        line: 10,
        message: expect.stringMatching(/^Invalid configuration elements for type: class org\.csanchez\.jenkins\.plugins\.kubernetes\.ContainerTemplate : imagePullPolicy\./),
      },
    ]);
  });

  it('rejects a Docker template field the plugin does not have, and a template without an image', async () => {
    const sim = await startSim();
    const yaml = [
      'jenkins:',
      '  clouds:',
      '    - docker:',
      '        name: "docker"',
      '        templates:',
      '          - labels: "base"',
      '            dockerTemplateBase:',
      '              pullCredentialsId: "ecr"',
    ].join('\n');
    const response = await check(sim, yaml);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual([
      { line: 6, message: expect.stringMatching(/^Invalid configuration elements for type: class com\.nirima\.jenkins\.plugins\.docker\.DockerTemplate : labels\./) },
      { line: 7, message: "Image can't be null" },
    ]);
  });

  it('rejects a cloud kind no installed plugin provides', async () => {
    const sim = await startSim();
    const response = await check(sim, 'jenkins:\n  clouds:\n    - nomad:\n        name: "x"\n');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual([{ line: 3, message: 'No hudson.slaves.Cloud implementation found for nomad' }]);
  });

  it('rejects YAML that does not parse, at the line of the error', async () => {
    const sim = await startSim();
    const response = await check(sim, 'jenkins:\n  clouds:\n    - ecs:\n        name: "x"\n       cluster: "y"\n');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual([{ line: 5, message: 'All mapping items must start at the same column' }]);
  });

  it('refuses GET, as @RequirePOST does', async () => {
    const sim = await startSim();
    const response = await fetch(`${sim.url}configuration-as-code/check`, { headers: { Authorization: basic(admin.user, admin.token) } });
    expect(response.status).toBe(405);
  });
});

describe('POST /reload-configuration-as-code/ (token reload)', () => {
  it('answers 404 when the controller has no reload token', async () => {
    const sim = await startSim();
    const response = await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=anything`, '');
    expect(response.status).toBe(404);
  });

  it('answers 401 for a wrong or missing token and applies nothing', async () => {
    const source = await startSource(ecsDocument);
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    expect((await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=wrong`, '')).status).toBe(401);
    expect((await post(`${sim.url}reload-configuration-as-code/`, '')).status).toBe(401);
    expect(source.authorizations).toEqual([]);
    expect(sim.state.applied).toBe(0);
  });

  it('fetches the configured URL with its auth header and applies the clouds it finds', async () => {
    const source = await startSource(ecsDocument, 'serve-secret');
    const sim = await startSim({
      reloadToken: 'reload-secret',
      sources: { urls: [{ url: source.url, headers: { Authorization: 'Bearer serve-secret' } }] },
    });
    const response = await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(source.authorizations).toEqual(['Bearer serve-secret']);
    expect(sim.state.applied).toBe(1);
    expect(sim.state.clouds).toEqual([
      {
        kind: 'ecs',
        name: 'ecs-agents',
        attributes: { name: 'ecs-agents', cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/agents' },
        templates: [{ templateName: 'base', label: 'base', image: 'repo/base@sha256:aaaa' }],
      },
    ]);
  });

  it('takes the token from an urlencoded body too, as request.getParameter does', async () => {
    const source = await startSource(ecsDocument);
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    const response = await post(`${sim.url}reload-configuration-as-code/`, 'casc-reload-token=reload-secret', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(response.status).toBe(200);
    expect(sim.state.applied).toBe(1);
  });

  it('reports a document that does not apply as JSON with status 500 and keeps the old clouds', async () => {
    const source = await startSource(ecsDocument);
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    source.serve(ecsDocument.replace('label: "base"', 'labels: "base"'));

    const response = await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { status: string; message: string };
    expect(body.status).toBe('error');
    expect(body.message).toMatch(
      /^Failed to reload configuration: Invalid configuration elements for type: class com\.cloudbees\.jenkins\.plugins\.amazonecs\.ECSTaskTemplate : labels\./,
    );
    expect(sim.state.applied).toBe(1);
    expect(sim.state.clouds[0]?.templates[0]).toEqual({ templateName: 'base', label: 'base', image: 'repo/base@sha256:aaaa' });
  });

  it('can report the failure with status 200 instead, for the variant JENKINS.md describes', async () => {
    const source = await startSource('jenkins:\n  clouds:\n    - nomad: {}\n');
    const sim = await startSim({ reloadToken: 'reload-secret', reloadErrorStatus: 200, sources: { urls: [{ url: source.url }] } });
    const response = await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'error',
      message: 'Failed to reload configuration: No hudson.slaves.Cloud implementation found for nomad',
    });
  });

  it('fails the reload when a source URL cannot be fetched, naming the URL and status', async () => {
    const source = await startSource(ecsDocument, 'serve-secret');
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    const response = await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      status: 'error',
      message: `Failed to reload configuration: Failed to fetch configuration from ${source.url}. HTTP status code: 401`,
    });
  });

  it('merges URL and file sources: clouds from both, lists concatenated', async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'jenkins-sim-'));
    const file = join(tempDir, 'docker.yaml');
    await writeFile(file, 'jenkins:\n  clouds:\n    - docker:\n        name: "docker-agents"\n');
    const source = await startSource(ecsDocument);
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }], files: [file] } });
    const response = await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(response.status).toBe(200);
    expect(sim.state.clouds.map((cloud) => `${cloud.kind}:${cloud.name}`)).toEqual(['ecs:ecs-agents', 'docker:docker-agents']);
  });
});

describe('POST /configuration-as-code/reload', () => {
  it('reloads with an API token and redirects to the JCasC page', async () => {
    const source = await startSource(ecsDocument);
    const sim = await startSim({ sources: { urls: [{ url: source.url }] } });
    const response = await post(`${sim.url}configuration-as-code/reload`, '', { Authorization: basic(admin.user, admin.token) });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${sim.url}configuration-as-code/`);
    expect(sim.state.clouds.map((cloud) => cloud.name)).toEqual(['ecs-agents']);
  });

  it('answers a failed reload with the generic 500 error page', async () => {
    const source = await startSource('jenkins:\n  clouds:\n    - nomad: {}\n');
    const sim = await startSim({ sources: { urls: [{ url: source.url }] } });
    const response = await post(`${sim.url}configuration-as-code/reload`, '', { Authorization: basic(admin.user, admin.token) });
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('A problem occurred while processing the request');
    expect(sim.state.applied).toBe(0);
  });
});

describe('down and up', () => {
  it('refuses connections while down and answers again, at the same URL, once up', async () => {
    const sim = await startSim();
    await sim.down();
    const refused = await fetch(`${sim.url}crumbIssuer/api/json`).then(
      () => undefined,
      (error: unknown) => (error as { cause?: { code?: string } }).cause?.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    await sim.up();
    expect((await check(sim, ecsDocument)).status).toBe(200);
  });

  it('answers 503 to everything while unavailable', async () => {
    const sim = await startSim();
    await sim.down('unavailable');
    expect((await check(sim, ecsDocument)).status).toBe(503);
    await sim.up();
    expect((await check(sim, ecsDocument)).status).toBe(200);
  });
});
