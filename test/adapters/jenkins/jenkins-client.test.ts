import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createJenkinsClient, type JenkinsAuth } from '../../../src/adapters/jenkins/jenkins-client.ts';
import { JenkinsAuthError, JenkinsRejectedError, JenkinsUnavailableError } from '../../../src/adapters/jenkins/jenkins-errors.ts';
import { OutsideError, UserError } from '../../../src/errors.ts';
import * as jenkinsSim from '../../jenkins-sim/jenkins-sim.ts';
import { startYamlSource } from '../../jenkins-sim/yaml-source-server.ts';

// The client against the Jenkins simulator over real HTTP on loopback.

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

describe('reload with the reload token', () => {
  it('makes Jenkins fetch and apply the served document, with the token kept out of the URL', async () => {
    const sim = await jenkinsServing(await ecsGolden);
    await createJenkinsClient({ url: sim.url, auth: tokenReload }).reload();

    expect(sim.state.applied).toBe(1);
    expect(sim.state.clouds.map((cloud) => [cloud.name, cloud.templates.map((template) => template['label'])])).toEqual([
      ['ecs-agents', ['base', 'boto3 aws', 'python']],
    ]);
    expect(sim.state.requests).toEqual([
      { method: 'POST', url: '/reload-configuration-as-code/', contentType: 'application/x-www-form-urlencoded', authorization: 'none' },
    ]);
  });

  it('reports a wrong token as a non-retryable error naming the setting to fix, without the token', async () => {
    const sim = await jenkinsServing(await ecsGolden, { reloadToken: 'the-controllers-token' });
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error).toBeInstanceOf(JenkinsAuthError);
    expect(error).toBeInstanceOf(UserError);
    expect(error).not.toBeInstanceOf(OutsideError);
    expect(error).toMatchObject({ credential: 'reload-token', status: 401 });
    expect(error.message).toBe(
      "Jenkins refused the reload token (401): set the app's environment variable named by jenkins.auth.reloadTokenEnv to the controller's CASC_RELOAD_TOKEN",
    );
    expect(sim.state.applied).toBe(0);
  });

  it('reports a Jenkins without token reload as a setup error', async () => {
    const sim = await jenkinsServing(await ecsGolden, { reloadToken: '' });
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error).toBeInstanceOf(JenkinsAuthError);
    expect(error.message).toBe(
      `Jenkins at ${sim.url} does not accept token reloads (404): set CASC_RELOAD_TOKEN (or -Dcasc.reload.token) on the controller, and check jenkins.url`,
    );
  });

  it('reads the body: a reload Jenkins could not apply is a failure with its reason', async () => {
    const sim = await jenkinsServing((await ecsGolden).replace('remoteFSRoot:', 'remoteFsRoot:'));
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error).toBeInstanceOf(JenkinsRejectedError);
    expect(error).toMatchObject({ status: 500 });
    expect(error.message).toMatch(
      /^Jenkins could not apply the configuration: Failed to reload configuration: Invalid configuration elements for type: class com\.cloudbees\.jenkins\.plugins\.amazonecs\.ECSTaskTemplate : remoteFsRoot\./,
    );
    expect(sim.state.applied).toBe(0);
  });

  it('treats 200 with {"status":"error"} as a failure too', async () => {
    const sim = await jenkinsServing('jenkins:\n  clouds:\n    - nomad: {}\n', { reloadErrorStatus: 200 });
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error).toBeInstanceOf(JenkinsRejectedError);
    expect(error).toMatchObject({ status: 200 });
    expect(error.message).toBe(
      'Jenkins could not apply the configuration: Failed to reload configuration: No hudson.slaves.Cloud implementation found for nomad',
    );
  });

  it('redacts the token even when Jenkins echoes it back', async () => {
    const sim = await jenkinsServing(`jenkins:\n  clouds:\n    - ${reloadToken}: {}\n`);
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).reload());

    expect(error.message).toBe(
      'Jenkins could not apply the configuration: Failed to reload configuration: No hudson.slaves.Cloud implementation found for [REDACTED]',
    );
  });

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
});

describe('check and reload with an API token', () => {
  it('finds a rendered document valid', async () => {
    const sim = await jenkinsServing(await ecsGolden);
    const result = await createJenkinsClient({ url: sim.url, auth: apiToken }).check(await ecsGolden);

    expect(result).toEqual({ ok: true });
    expect(sim.state.requests).toEqual([
      { method: 'POST', url: '/configuration-as-code/check', contentType: 'application/yaml', authorization: 'basic' },
    ]);
    expect(sim.state.applied).toBe(0);
  });

  it('returns the problems Jenkins finds, with their lines', async () => {
    const sim = await jenkinsServing(await ecsGolden);
    const yaml = 'jenkins:\n  clouds:\n    - docker:\n        name: "docker"\n        dockerHost: "unix:///var/run/docker.sock"\n';
    const result = await createJenkinsClient({ url: sim.url, auth: apiToken }).check(yaml);

    expect(result).toEqual({
      ok: false,
      errors: [{ line: 5, message: expect.stringMatching(/^Invalid configuration elements for type: class com\.nirima\.jenkins\.plugins\.docker\.DockerCloud : dockerHost\./) }],
    });
  });

  it('reports a wrong API token as a non-retryable error naming the user and the setting', async () => {
    const sim = await jenkinsServing(await ecsGolden);
    const client = createJenkinsClient({ url: sim.url, auth: { kind: 'api-token', user: admin.user, token: 'stale-token-value' } });
    const error = await failure(client.check(await ecsGolden));

    expect(error).toBeInstanceOf(JenkinsAuthError);
    expect(error).toMatchObject({ credential: 'api-token', status: 401 });
    expect(error.message).toBe(
      `Jenkins refused the API token of user "dockyard" (401): create a new API token for that user and put it in the app's environment variable named by jenkins.auth.apiTokenEnv`,
    );
  });

  it('refuses to check with only a reload token, before sending anything', async () => {
    const sim = await jenkinsServing(await ecsGolden);
    const error = await failure(createJenkinsClient({ url: sim.url, auth: tokenReload }).check(await ecsGolden));

    expect(error).toBeInstanceOf(JenkinsAuthError);
    expect(error).toMatchObject({ credential: 'api-token' });
    expect(sim.state.requests).toEqual([]);
  });

  it('reloads through /configuration-as-code/reload and takes the redirect as success', async () => {
    const sim = await jenkinsServing(await ecsGolden);
    await createJenkinsClient({ url: sim.url, auth: apiToken }).reload();

    expect(sim.state.applied).toBe(1);
    expect(sim.state.requests.map((request) => `${request.method} ${request.url} ${request.authorization}`)).toEqual([
      'POST /configuration-as-code/reload basic',
    ]);
  });

  it('takes a redirect anywhere else (a login page in front of Jenkins) as a failure, not a success', async () => {
    const loginRedirect: typeof fetch = () =>
      Promise.resolve(new Response(null, { status: 302, headers: { Location: 'https://sso.example.com/login' } }));
    const client = createJenkinsClient({ url: 'https://jenkins.example.com/', auth: apiToken, fetch: loginRedirect });
    const error = await failure(client.reload());

    expect(error).toBeInstanceOf(JenkinsRejectedError);
    expect(error.message).toBe(
      'Jenkins at https://jenkins.example.com/ redirected the request to reload its configuration to https://sso.example.com/login: jenkins.url may point at a login page or proxy rather than Jenkins',
    );
  });

  it('reports the generic 500 page of a failed API reload as retryable', async () => {
    const sim = await jenkinsServing('jenkins:\n  clouds:\n    - nomad: {}\n');
    const error = await failure(createJenkinsClient({ url: sim.url, auth: apiToken }).reload());

    expect(error).toBeInstanceOf(JenkinsUnavailableError);
    expect(error).toMatchObject({ status: 500 });
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
