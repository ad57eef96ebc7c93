import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createJenkinsClient, type JenkinsAuth } from '../../../src/adapters/jenkins/jenkins-client.ts';
import { JenkinsAuthError, JenkinsRejectedError, JenkinsUnavailableError } from '../../../src/adapters/jenkins/jenkins-errors.ts';
import { OutsideError } from '../../../src/errors.ts';
import { cascVersions } from '../../jenkins-sim/casc-versions.ts';
import * as jenkinsSim from '../../jenkins-sim/jenkins-sim.ts';
import { startYamlSource } from '../../jenkins-sim/yaml-source-server.ts';

// The client against the Jenkins simulator over real HTTP on loopback, modelling several
// configuration-as-code releases (test/jenkins-sim/casc-versions.ts): each answer read as that release gives it.

const reloadToken = 's3cr3t-reload-token';
const admin = { user: 'dockyard', token: '11aa22bb33cc44dd55ee66ff77889900' };
const tokenReload: JenkinsAuth = { kind: 'token-reload', token: reloadToken };
const apiToken: JenkinsAuth = { kind: 'api-token', ...admin };
const ecsGolden = readFile(new URL('../../domain/jenkins/golden/ecs.yaml', import.meta.url), 'utf8');

let running: Array<{ stop(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(running.map((server) => server.stop()));
  running = [];
});

/** A simulated Jenkins whose only configuration source serves `yaml`. */
async function jenkinsServing(yaml: string, options: jenkinsSim.SimOptions = {}): Promise<jenkinsSim.JenkinsSim> {
  const source = await startYamlSource(yaml);
  const sim = await jenkinsSim.start({
    reloadToken,
    users: { [admin.user]: admin.token },
    sources: { urls: [{ url: source.url }] },
    ...options,
  });
  running.push(source, sim);
  return sim;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof Error)) throw new Error('expected the call to fail');
  return error;
}

const broken = (yaml: string): string => yaml.replace('label: "base"', 'labels: "base"');

describe.each([cascVersions.v2095, cascVersions.v2117])('the client against configuration-as-code %s', (cascVersion) => {
  const serving = (yaml: string, options: jenkinsSim.SimOptions = {}) => jenkinsServing(yaml, { cascVersion, ...options });

  it('token reload: makes Jenkins fetch and apply the served document, with the token kept out of the URL', async () => {
    const sim = await serving(await ecsGolden);
    await createJenkinsClient({ url: sim.url, auth: tokenReload }).reload();

    expect(sim.state.applied).toBe(1);
    expect(sim.state.clouds.map((cloud) => [cloud.name, cloud.templates.map((template) => template['label'])])).toEqual([
      ['ecs-agents', ['base', 'boto3 aws', 'python']],
    ]);
    expect(sim.state.requests).toEqual([
      { method: 'POST', url: '/reload-configuration-as-code/', contentType: 'application/x-www-form-urlencoded', authorization: 'none' },
    ]);
  });

  it('token reload: a wrong token is a non-retryable error naming the setting to fix, without the token', async () => {
    const sim = await serving(await ecsGolden, { reloadToken: 'the-controllers-token' });
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error).toBeInstanceOf(JenkinsAuthError);
    expect(error).not.toBeInstanceOf(OutsideError);
    expect(error).toMatchObject({ credential: 'reload-token', status: 401 });
    expect(error.message).toBe(
      "Jenkins refused the reload token (401): set the app's environment variable the operator's settings name (auth.reloadTokenEnv) to the controller's CASC_RELOAD_TOKEN",
    );
    expect(sim.state.applied).toBe(0);
  });

  it('token reload: 404 means the controller has no reload token', async () => {
    const sim = await serving(await ecsGolden, { reloadToken: '' });
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error).toBeInstanceOf(JenkinsAuthError);
    expect(error).toMatchObject({ status: 404 });
  });

  it('token reload: a YAML syntax error is a 500 and a failure', async () => {
    const sim = await serving('jenkins:\n  clouds: [\n');
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error).toBeInstanceOf(JenkinsRejectedError);
    expect(error).toMatchObject({ status: 500 });
  });

  it('API-token reload: success is the 302 to the JCasC page', async () => {
    const sim = await serving(await ecsGolden);
    await createJenkinsClient({ url: sim.url, auth: apiToken }).reload();

    expect(sim.state.applied).toBe(1);
    expect(sim.state.requests.map((request) => `${request.method} ${request.url} ${request.authorization}`)).toEqual(['POST /configuration-as-code/reload basic']);
  });

  it('API-token reload: 200 is the error page of a configuration error, read into a message', async () => {
    const sim = await serving(broken(await ecsGolden));
    const error = await failure(createJenkinsClient({ url: sim.url, auth: apiToken }).reload());

    expect(error).toBeInstanceOf(JenkinsRejectedError);
    expect(error).toMatchObject({ status: 200 });
    expect(error.message).toMatch(
      /^Jenkins could not apply the configuration: com\.cloudbees\.jenkins\.plugins\.amazonecs\.ECSTaskTemplate: Invalid configuration elements for type:; attribute: labels; valid attributes: .*remoteFSRoot/,
    );
    expect(sim.state.applied).toBe(0);
  });

  it('API-token reload: a YAML syntax error is a 500 and a failure', async () => {
    const sim = await serving('jenkins: [\n');
    const error = await failure(createJenkinsClient({ url: sim.url, auth: apiToken }).reload());

    expect(error).toBeInstanceOf(JenkinsRejectedError);
    expect(error.message).toMatch(/^Jenkins could not apply the configuration: Jenkins answered 500 with its error page \("Oops!"\)/);
  });

  it('check: a valid document is ok, sent once with the API token', async () => {
    const sim = await serving(await ecsGolden);
    const result = await createJenkinsClient({ url: sim.url, auth: apiToken }).check(await ecsGolden);

    expect(result).toEqual({ ok: true, warnings: [] });
    expect(sim.state.requests).toEqual([{ method: 'POST', url: '/configuration-as-code/check', contentType: 'application/yaml', authorization: 'basic' }]);
    expect(sim.state.applied).toBe(0);
  });

  it('check: 400 with its single entry is a failure, with the line taken from the message', async () => {
    const sim = await serving(await ecsGolden);
    const result = await createJenkinsClient({ url: sim.url, auth: apiToken }).check(broken(await ecsGolden));

    expect(result).toEqual({
      ok: false,
      errors: [{ line: 16, message: expect.stringMatching(/^Invalid configuration elements for type: class com\.cloudbees\.jenkins\.plugins\.amazonecs\.ECSTaskTemplate : labels\./) }],
    });
  });

  it('check: 200 with a non-empty list is warnings only', async () => {
    const sim = await serving(await ecsGolden);
    const result = await createJenkinsClient({ url: sim.url, auth: apiToken }).check(`configuration-as-code:\n  unknown: warn\n${broken(await ecsGolden)}`);

    expect(result).toEqual({ ok: true, warnings: [{ line: 18, message: expect.stringMatching(/ECSTaskTemplate : labels\./) }] });
  });

  it('clouds: reads the clouds Jenkins has from its export, hand-made ones included', async () => {
    const sim = await serving(await ecsGolden, { handMadeClouds: [{ kind: 'kubernetes', name: 'made-in-the-ui' }] });
    const client = createJenkinsClient({ url: sim.url, auth: apiToken });
    expect(await client.clouds()).toEqual([{ kind: 'kubernetes', name: 'made-in-the-ui' }]);
    await client.reload();
    expect(await client.clouds()).toEqual([{ kind: 'ecs', name: 'ecs-agents' }]);
  });
});

describe('answers that differ between configuration-as-code versions', () => {
  it('token reload since 2099.ve3a_6e23f4960: 200 with {"status":"error"} is a failure, with the message and line', async () => {
    const sim = await jenkinsServing(broken(await ecsGolden), { cascVersion: cascVersions.v2117 });
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error).toBeInstanceOf(JenkinsRejectedError);
    expect(error).toMatchObject({ status: 200, line: 16 });
    expect(error.message).toMatch(/^Jenkins could not apply the configuration: Invalid configuration elements for type: class com\.cloudbees\.jenkins\.plugins\.amazonecs\.ECSTaskTemplate : labels\./);
  });

  it('token reload before 2099: the 500 error page is a failure, not an outage', async () => {
    const sim = await jenkinsServing(broken(await ecsGolden), { cascVersion: cascVersions.v2095 });
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error).toBeInstanceOf(JenkinsRejectedError);
    expect(error).not.toBeInstanceOf(OutsideError);
    expect(error).toMatchObject({ status: 500 });
    expect(error.message).toMatch(/Jenkins answered 500 with its error page \("Oops!"\), which gives no reason; the controller's log has it$/);
  });

  it('check before 1947.v7d33fe23569c: the 500 error page for an invalid document is a failure', async () => {
    const sim = await jenkinsServing(await ecsGolden, { cascVersion: cascVersions.v1932 });
    const result = await createJenkinsClient({ url: sim.url, auth: apiToken }).check(broken(await ecsGolden));

    expect(result).toEqual({ ok: false, errors: [{ line: -1, message: expect.stringMatching(/^Jenkins answered 500 with its error page/) }] });
  });

  it('check before 1947: warnings come as {line, warning}', async () => {
    const sim = await jenkinsServing(await ecsGolden, { cascVersion: cascVersions.v1932 });
    const result = await createJenkinsClient({ url: sim.url, auth: apiToken }).check(`configuration-as-code:\n  unknown: warn\n${broken(await ecsGolden)}`);

    expect(result).toEqual({ ok: true, warnings: [{ line: 18, message: expect.stringMatching(/ECSTaskTemplate : labels\./) }] });
  });

  it('redacts the token even when Jenkins echoes it back', async () => {
    const sim = await jenkinsServing(`jenkins:\n  clouds:\n    - ${reloadToken}: {}\n`);
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error.message).toMatch(/^Jenkins could not apply the configuration: No hudson\.slaves\.Cloud implementation found for \[REDACTED\]\n/);
    expect(error.message).not.toContain(reloadToken);
  });
});

describe('transport and credentials', () => {
  it('redacts a casc-reload-token value in a transport error', async () => {
    const failingFetch: typeof fetch = () => Promise.reject(new Error('getaddrinfo ENOTFOUND jenkins/?casc-reload-token=s3cr3t-reload-token'));
    const error = await failure(createJenkinsClient({ url: 'http://jenkins.invalid/', auth: tokenReload, fetch: failingFetch }).reload());

    expect(error).toBeInstanceOf(JenkinsUnavailableError);
    expect(error.message).toBe(
      'Could not reach Jenkins at http://jenkins.invalid/ to reload its configuration: getaddrinfo ENOTFOUND jenkins/?casc-reload-token=[REDACTED]',
    );
  });

  it('reports refused connections as retryable, and succeeds once Jenkins is back', async () => {
    const sim = await jenkinsServing(await ecsGolden);
    const client = createJenkinsClient({ url: sim.url, auth: tokenReload });
    await sim.down();
    const error = await failure(client.reload());

    expect(error).toBeInstanceOf(JenkinsUnavailableError);
    expect(error).toBeInstanceOf(OutsideError);
    expect(error.message).toBe(`Could not reach Jenkins at ${sim.url} to reload its configuration: connection refused (ECONNREFUSED)`);

    await sim.up();
    await client.reload();
    expect(sim.state.applied).toBe(1);
  });

  it('reports a Jenkins answering 503 while it starts as retryable', async () => {
    const sim = await jenkinsServing(await ecsGolden);
    await sim.down('unavailable');
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error).toBeInstanceOf(JenkinsUnavailableError);
    expect(error).toMatchObject({ status: 503 });
    expect(error.message).toBe(`Jenkins at ${sim.url} failed to reload its configuration (status 503)`);
  });

  it('reports a wrong API token as a non-retryable error naming the user and the setting', async () => {
    const sim = await jenkinsServing(await ecsGolden);
    const client = createJenkinsClient({ url: sim.url, auth: { kind: 'api-token', user: admin.user, token: 'stale-token-value' } });
    const error = await failure(client.check(await ecsGolden));

    expect(error).toBeInstanceOf(JenkinsAuthError);
    expect(error).toMatchObject({ credential: 'api-token', status: 401 });
    expect(error.message).toBe(
      `Jenkins refused the API token of user "dockyard" (401): create a new API token for that user and put it in the app's environment variable the operator's settings name (auth.apiTokenEnv)`,
    );
  });

  it('refuses to check or list clouds with only a reload token, before sending anything', async () => {
    const sim = await jenkinsServing(await ecsGolden);
    const client = createJenkinsClient({ url: sim.url, auth: tokenReload });
    expect(await failure(client.check(await ecsGolden))).toMatchObject({ credential: 'api-token' });
    expect(await failure(client.clouds())).toMatchObject({ credential: 'api-token' });
    expect(sim.state.requests).toEqual([]);
  });

  it('takes a redirect anywhere else (a login page in front of Jenkins) as a failure, not a success', async () => {
    const loginRedirect: typeof fetch = () => Promise.resolve(new Response(null, { status: 302, headers: { Location: 'https://sso.example.com/login' } }));
    const client = createJenkinsClient({ url: 'https://jenkins.example.com/', auth: apiToken, fetch: loginRedirect });
    const error = await failure(client.reload());

    expect(error).toBeInstanceOf(JenkinsRejectedError);
    expect(error.message).toBe(
      "Jenkins at https://jenkins.example.com/ did not reload its configuration: redirected the request to https://sso.example.com/login: the controller's url may point at a login page or proxy rather than Jenkins",
    );
  });

  it('gives up on a Jenkins that never answers', async () => {
    const silent = createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    running.push({
      async stop() {
        silent.closeAllConnections();
        silent.close();
      },
    });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    const error = await failure(createJenkinsClient({ url, auth: apiToken, timeoutMs: 100 }).check('jenkins: {}\n'));

    expect(error).toBeInstanceOf(JenkinsUnavailableError);
    expect(error.message).toBe(`Could not reach Jenkins at ${url} to check the generated configuration: no answer within 100 ms`);
  });
});
