import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cascVersions } from './casc-versions.ts';
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

/** The same with the @Nonnull credentialsId ECSCloud's constructor needs (empty: the controller's own role). */
const ecsWithCredentials = ecsDocument.replace('        cluster:', '        credentialsId: ""\n        cluster:');

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
    const response = await check(sim, ecsWithCredentials);
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

    const withCrumb = await post(`${sim.url}configuration-as-code/check`, ecsWithCredentials, { Cookie: cookie, 'Jenkins-Crumb': body.crumb });
    expect(withCrumb.status).toBe(200);

    const other = await fetch(`${sim.url}crumbIssuer/api/json`, { headers: { Authorization: basic(admin.user, admin.token) } });
    const otherCookie = (other.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const mixed = await post(`${sim.url}configuration-as-code/check`, ecsDocument, { Cookie: otherCookie, 'Jenkins-Crumb': body.crumb });
    expect(mixed.status).toBe(403);
  });
});

describe('POST /configuration-as-code/check', () => {
  for (const kind of ['ecs', 'kubernetes', 'docker', 'docker-jnlp']) {
    it(`accepts the reviewed ${kind} golden file: every field name and value type is one the plugin defines`, async () => {
      const sim = await startSim();
      const response = await check(sim, await readFile(new URL(`${kind}.yaml`, goldens), 'utf8'));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([]);
      expect(sim.state.applied).toBe(0);
    });
  }

  it('answers the first problem only, as 400 with line -1 and the source line in the message (2036 and later)', async () => {
    const sim = await startSim();
    const response = await check(sim, ecsDocument.replace('label: "base"', 'labels: "base"'));
    expect(response.status).toBe(400);
    const body = (await response.json()) as Array<{ line: number; message: string }>;
    expect(body).toHaveLength(1);
    expect(body[0]?.line).toBe(-1);
    expect(body[0]?.message).toMatch(
      /^Invalid configuration elements for type: class com\.cloudbees\.jenkins\.plugins\.amazonecs\.ECSTaskTemplate : labels\.\nAvailable attributes : .*\bremoteFSRoot\b.*\n {2}at \/configuration-as-code\/check:8$/s,
    );
  });

  it('matches setter names without regard to case, as BaseConfigurator.removeIgnoreCase does', async () => {
    const sim = await startSim();
    const response = await check(sim, ecsWithCredentials.replace('label: "base"', 'remoteFsRoot: "/home/jenkins"'));
    expect(response.status).toBe(200);
  });

  it('refuses a missing javax @Nonnull constructor parameter: ECSCloud credentialsId', async () => {
    const sim = await startSim();
    const response = await check(sim, ecsDocument);
    expect(await response.json()).toEqual([
      { line: -1, message: 'credentialsId is required to configure class com.cloudbees.jenkins.plugins.amazonecs.ECSCloud\n  at /configuration-as-code/check:3' },
    ]);
  });

  it('refuses a value of the wrong type: ECSTaskTemplate cpu is an int', async () => {
    const sim = await startSim();
    const response = await check(sim, ecsWithCredentials.replace('label: "base"', 'cpu: "lots"'));
    expect(response.status).toBe(400);
    expect(((await response.json()) as Array<{ message: string }>)[0]?.message).toMatch(/^Failed to set attribute 'cpu': cannot convert 'lots' to int/);
  });

  it('refuses the docker jnlp connector of docker-plugin before 1.6 (jnlpLauncher is no attribute since de7a8063)', async () => {
    const sim = await startSim();
    const yaml = (await readFile(new URL('docker-jnlp.yaml', goldens), 'utf8')).replace('              jnlp:\n', '              jnlp:\n                jnlpLauncher: {}\n');
    const response = await check(sim, yaml);
    expect(response.status).toBe(400);
    expect(((await response.json()) as Array<{ message: string }>)[0]?.message).toMatch(
      /^Invalid configuration elements for type: class io\.jenkins\.docker\.connector\.DockerComputerJNLPConnector : jnlpLauncher\./,
    );
  });

  it('refuses a Docker template base without an image, as its constructor does', async () => {
    const sim = await startSim();
    const yaml = ['jenkins:', '  clouds:', '    - docker:', '        name: "docker"', '        templates:', '          - dockerTemplateBase:', '              pullCredentialsId: "ecr"'].join('\n');
    const response = await check(sim, yaml);
    expect(await response.json()).toEqual([{ line: -1, message: "Image can't be null\n  at /configuration-as-code/check:6" }]);
  });

  it('reports unknown attributes as warnings (200, non-empty) when the document says configuration-as-code: {unknown: warn}', async () => {
    const sim = await startSim();
    const response = await check(sim, `configuration-as-code:\n  unknown: warn\n${ecsWithCredentials.replace('label: "base"', 'labels: "base"')}`);
    expect(response.status).toBe(200);
    const warnings = (await response.json()) as Array<{ line: number; message: string }>;
    expect(warnings).toEqual([{ line: 11, message: expect.stringMatching(/^Invalid configuration elements for type: class com\.cloudbees\.jenkins\.plugins\.amazonecs\.ECSTaskTemplate : labels\./) }]);
  });

  it('ignores root keys starting with x- (configuration-as-code-1.41, 1dba3f81) and refuses other unknown roots', async () => {
    const sim = await startSim();
    expect((await check(sim, `x-dockyard: { anything: 1 }\n${ecsWithCredentials}`)).status).toBe(200);
    const response = await check(sim, `dockyard: {}\n${ecsWithCredentials}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as Array<{ message: string }>)[0]?.message).toMatch(/^No configurator found for the following root element: dockyard\./);
  });

  it('rejects a cloud kind no installed plugin provides', async () => {
    const sim = await startSim();
    const response = await check(sim, 'jenkins:\n  clouds:\n    - nomad:\n        name: "x"\n');
    expect(await response.json()).toEqual([{ line: -1, message: 'No hudson.slaves.Cloud implementation found for nomad\n  at /configuration-as-code/check:3' }]);
  });

  it('answers YAML that does not parse with 400 since 1947, with 500 before', async () => {
    const broken = 'jenkins:\n  clouds:\n    - ecs:\n        name: "x"\n       cluster: "y"\n';
    const current = await startSim();
    const response = await check(current, broken);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual([{ line: -1, message: "All mapping items must start at the same column\n in 'reader', line 5" }]);
    const old = await startSim({ cascVersion: cascVersions.v1932 });
    expect((await check(old, broken)).status).toBe(500);
  });

  it('before 1947.v7d33fe23569c answers an invalid document with the 500 error page, and warnings under "warning"', async () => {
    const sim = await startSim({ cascVersion: cascVersions.v1932 });
    const invalid = await check(sim, ecsDocument);
    expect(invalid.status).toBe(500);
    expect(await invalid.text()).toContain('A problem occurred while processing the request');
    const warned = await check(sim, `configuration-as-code:\n  unknown: warn\n${ecsWithCredentials.replace('label: "base"', 'labels: "base"')}`);
    expect(warned.status).toBe(200);
    expect(Object.keys(((await warned.json()) as object[])[0] ?? {})).toEqual(['line', 'warning']);
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
    const source = await startSource(ecsWithCredentials);
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    expect((await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=wrong`, '')).status).toBe(401);
    expect((await post(`${sim.url}reload-configuration-as-code/`, '')).status).toBe(401);
    expect(source.authorizations).toEqual([]);
    expect(sim.state.applied).toBe(0);
  });

  it('fetches the configured URL without an Authorization header, as DefaultHttpFetcher does, and applies its clouds', async () => {
    const source = await startSource(ecsWithCredentials);
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    const response = await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(source.authorizations).toEqual([undefined]);
    expect(sim.state.applied).toBe(1);
    expect(sim.state.clouds).toEqual([
      {
        kind: 'ecs',
        name: 'ecs-agents',
        attributes: { name: 'ecs-agents', credentialsId: '', cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/agents' },
        templates: [{ templateName: 'base', label: 'base', image: 'repo/base@sha256:aaaa' }],
      },
    ]);
  });

  it('takes the token from an urlencoded body too, as request.getParameter does', async () => {
    const source = await startSource(ecsWithCredentials);
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    const response = await post(`${sim.url}reload-configuration-as-code/`, 'casc-reload-token=reload-secret', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(response.status).toBe(200);
    expect(sim.state.applied).toBe(1);
  });

  it('since 2099.ve3a_6e23f4960 reports a document that does not apply as JSON with status 200, naming its source line, and keeps the old clouds', async () => {
    const source = await startSource(ecsWithCredentials);
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    source.serve(ecsWithCredentials.replace('label: "base"', 'labels: "base"'));

    const response = await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { status: string; message: string };
    expect(body.status).toBe('error');
    expect(body.message).toMatch(/^Failed to reload configuration: Invalid configuration elements for type: class com\.cloudbees\.jenkins\.plugins\.amazonecs\.ECSTaskTemplate : labels\./);
    expect(body.message.endsWith(`\n  at ${source.url}:9`)).toBe(true);
    expect(sim.state.applied).toBe(1);
    expect(sim.state.clouds[0]?.templates[0]).toEqual({ templateName: 'base', label: 'base', image: 'repo/base@sha256:aaaa' });
  });

  it('before 2099 answers the failure with the 500 error page; a YAML syntax error is a 500 in every version', async () => {
    const source = await startSource('jenkins:\n  clouds:\n    - nomad: {}\n');
    const old = await startSim({ cascVersion: cascVersions.v2095, reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    const response = await post(`${old.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('A problem occurred while processing the request');
    source.serve('jenkins:\n  clouds:\n - ecs:\n    name: x\n   bad');
    const current = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    expect((await post(`${current.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '')).status).toBe(500);
  });

  it('fails the reload when a source URL cannot be fetched, naming the URL and status', async () => {
    const source = await startSource(ecsWithCredentials, 'serve-secret');
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    const response = await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'error',
      message: `Failed to reload configuration: Failed to fetch configuration from ${source.url}. HTTP status code: 401`,
    });
  });

  it('merges URL and file sources: clouds from both, lists concatenated, the same name twice gives two clouds', async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'jenkins-sim-'));
    const file = join(tempDir, 'docker.yaml');
    await writeFile(file, 'jenkins:\n  clouds:\n    - docker:\n        name: "docker-agents"\n    - docker:\n        name: "ecs-agents"\n');
    const source = await startSource(ecsWithCredentials);
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }], files: [file] } });
    const response = await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(response.status).toBe(200);
    expect(sim.state.clouds.map((cloud) => `${cloud.kind}:${cloud.name}`)).toEqual(['ecs:ecs-agents', 'docker:docker-agents', 'docker:ecs-agents']);
  });

  it('reads ^${ as a literal ${ and resolves an unescaped ${…} as a lookup', async () => {
    const source = await startSource(ecsWithCredentials.replace('label: "base"', 'label: "^${readFile:/x}"'));
    const sim = await startSim({ reloadToken: 'reload-secret', sources: { urls: [{ url: source.url }] } });
    await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(sim.state.clouds[0]?.templates[0]?.['label']).toBe('${readFile:/x}');
    expect(sim.state.lookups).toEqual([]);
    source.serve(ecsWithCredentials.replace('label: "base"', 'label: "${readFile:/x}"'));
    await post(`${sim.url}reload-configuration-as-code/?casc-reload-token=reload-secret`, '');
    expect(sim.state.lookups).toEqual(['readFile:/x']);
  });
});

describe('POST /configuration-as-code/reload', () => {
  it('reloads with an API token and redirects to the JCasC page', async () => {
    const source = await startSource(ecsWithCredentials);
    const sim = await startSim({ sources: { urls: [{ url: source.url }] } });
    const response = await post(`${sim.url}configuration-as-code/reload`, '', { Authorization: basic(admin.user, admin.token) });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${sim.url}configuration-as-code/`);
    expect(sim.state.clouds.map((cloud) => cloud.name)).toEqual(['ecs-agents']);
  });

  it('answers a configuration error with error.jelly and status 200, and a YAML syntax error with 500', async () => {
    const source = await startSource(ecsWithCredentials.replace('label: "base"', 'labels: "base"'));
    const sim = await startSim({ sources: { urls: [{ url: source.url }] } });
    const response = await post(`${sim.url}configuration-as-code/reload`, '', { Authorization: basic(admin.user, admin.token) });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<h1>Error loading configuration</h1>');
    expect(html).toContain('<p>Attribute was: <pre><code>labels</code></pre></p>');
    expect(sim.state.applied).toBe(0);
    source.serve('jenkins: [\n');
    expect((await post(`${sim.url}configuration-as-code/reload`, '', { Authorization: basic(admin.user, admin.token) })).status).toBe(500);
  });

  it('removes hand-made clouds: Jenkins.clouds is what the sources declare', async () => {
    const source = await startSource(ecsWithCredentials);
    const sim = await startSim({ sources: { urls: [{ url: source.url }] }, handMadeClouds: [{ kind: 'kubernetes', name: 'made-in-the-ui' }] });
    expect(sim.state.clouds.map((cloud) => cloud.name)).toEqual(['made-in-the-ui']);
    await post(`${sim.url}configuration-as-code/reload`, '', { Authorization: basic(admin.user, admin.token) });
    expect(sim.state.clouds.map((cloud) => cloud.name)).toEqual(['ecs-agents']);
  });
});

describe('POST /configuration-as-code/export', () => {
  it('lists the clouds Jenkins has, hand-made ones included, with ${ written as ^${', async () => {
    const sim = await startSim({ handMadeClouds: [{ kind: 'kubernetes', name: 'made-in-the-ui', attributes: { namespace: '${NS}' } }] });
    const response = await post(`${sim.url}configuration-as-code/export`, '', { Authorization: basic(admin.user, admin.token) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-yaml; charset=utf-8');
    expect(await response.text()).toBe('jenkins:\n  clouds:\n    - kubernetes:\n        name: made-in-the-ui\n        namespace: ^${NS}\n');
  });

  it('needs credentials: anonymous callers are stopped', async () => {
    const sim = await startSim();
    expect((await post(`${sim.url}configuration-as-code/export`, '')).status).toBe(403);
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
    expect((await check(sim, ecsWithCredentials)).status).toBe(200);
  });

  it('answers 503 to everything while unavailable', async () => {
    const sim = await startSim();
    await sim.down('unavailable');
    expect((await check(sim, ecsDocument)).status).toBe(503);
    await sim.up();
    expect((await check(sim, ecsWithCredentials)).status).toBe(200);
  });
});
