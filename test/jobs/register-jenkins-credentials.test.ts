import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { parseOperatorSettings } from '../../src/config/read-operator-settings.ts';
import { registerJenkins } from '../../src/jobs/register-jenkins.ts';
import { ConfigError } from '../../src/errors.ts';
import { api, mockFile, repoPath } from '../mocks/github-api.ts';
import { testOctokit } from '../mocks/test-probot.ts';

const octokit = testOctokit();
const log = pino({ level: 'silent' });
const commit = 'a'.repeat(40);
const job = { owner: 'Codertocat', repo: 'Hello-World', commit, installationId: 1 };
/** The app's environment: what an attacker would like Dockyard to send out as a "Jenkins token". */
const env = { WEBHOOK_SECRET: 'webhook-secret-0123456789', AWS_SECRET_ACCESS_KEY: 'aws-secret-0123456789', JENKINS_API_TOKEN: 'jenkins-token-0123456789' };

let listener: Server;
let port: number;
/** Every request the loopback listener received: it stands for the attacker's endpoint. */
const received: { url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  listener = createServer((request, response) => {
    received.push({ url: request.url ?? '', headers: request.headers });
    response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});

afterEach(() => {
  received.length = 0;
  nock.cleanAll();
});

afterAll(async () => {
  nock.enableNetConnect();
  await new Promise((resolve) => listener.close(resolve));
});

const cloud = ['  clouds:', '    - { kind: docker, name: agents, dockerHost: { uri: "unix:///var/run/docker.sock" } }'];

describe('Jenkins credentials come only from the operator', () => {
  it('refuses a repository config that points jenkins.url at a listener and names WEBHOOK_SECRET, sending it nothing', async () => {
    const store = new StateStore(':memory:');
    const operator = parseOperatorSettings(
      ['registries: { main: { host: 127.0.0.1:5000 } }', 'grants: [{ repositories: ["Codertocat/*"], registry: main, prefix: agents }]', ''].join('\n'),
      'operator.yml',
    );
    const attack = [
      'registry: main',
      'prefix: agents',
      'jenkins:',
      `  url: http://127.0.0.1:${port}/`,
      '  auth: { user: dockyard, apiTokenEnv: WEBHOOK_SECRET }',
      '  delivery: { serve: { enabled: true, tokenEnv: AWS_SECRET_ACCESS_KEY } }',
      ...cloud,
      '',
    ].join('\n');
    const github = mockFile(nock(api), '.github/dockyard.yml', commit, attack);

    const error = await registerJenkins({ octokit, log, store, env, operator }, job).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => [issue.field, issue.line])).toEqual([
      ['jenkins.controller', 4],
      ['jenkins.url', 4],
      ['jenkins.auth', 5],
      ['jenkins.delivery', 6],
    ]);
    expect((error as ConfigError).issues[1]?.message).toBe(
      '`jenkins.url` is an operator setting (the URL receives Jenkins credentials): ask your Dockyard operator to define a controller, then write `jenkins.controller: <name>`',
    );
    expect(github.isDone()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([]);
    store.close();
  });

  it('sends the token the operator named, to the controller the operator defined, once the repository is granted it', async () => {
    const store = new StateStore(':memory:');
    const operator = parseOperatorSettings(
      [
        'registries: { main: { host: 127.0.0.1:5000 } }',
        'jenkins:',
        '  main:',
        `    url: http://127.0.0.1:${port}/`,
        '    allowInsecureHttp: true',
        '    auth: { user: dockyard, apiTokenEnv: JENKINS_API_TOKEN }',
        '    delivery: { serve: { enabled: true } }',
        'grants: [{ repositories: ["Codertocat/*"], registry: main, prefix: agents, jenkins: [main] }]',
        '',
      ].join('\n'),
      'operator.yml',
    );
    const config = ['registry: main', 'prefix: agents', 'jenkins:', '  controller: main', ...cloud, ''].join('\n');
    const github = mockFile(nock(api), '.github/dockyard.yml', commit, config);
    github.post(`${repoPath}/check-runs`).reply(201, { id: 5, html_url: 'https://github.com/Codertocat/Hello-World/runs/5' });
    github.patch(`${repoPath}/check-runs/5`).reply(200, {});
    github.get(`${repoPath}/commits/${commit}/pulls`).reply(200, []);

    // Jenkins (the listener) answers 503: the job reports it and asks to be retried.
    await expect(registerJenkins({ octokit, log, store, env, operator }, job)).rejects.toThrow(/503/);

    expect(github.isDone()).toBe(true);
    expect(received.length).toBeGreaterThan(0);
    const basic = Buffer.from('dockyard:jenkins-token-0123456789').toString('base64');
    expect(received.every((request) => request.headers.authorization === `Basic ${basic}`)).toBe(true);
    store.close();
  });
});
