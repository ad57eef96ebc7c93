import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { hiddenCapability, serveCasc } from '../../src/server/serve-casc.ts';

const store = new StateStore(':memory:');
let server: Server;
let base: string;
/** The URL each request carried after the handler ran: what the app's access log records. */
const loggedUrls: string[] = [];

beforeAll(async () => {
  store.setServedDocument({ repo: 'example-org/team-a', cloud: 'agents', servePath: '/jenkins/casc', auth: 'capability', yaml: 'team: a\n' });
  store.setServedDocument({ repo: 'example-org/team-b', cloud: 'agents', servePath: '/jenkins/casc', auth: 'capability', yaml: 'team: b\n' });
  store.setServedDocument({ repo: 'example-org/team-c', cloud: 'agents', servePath: '/jenkins/casc', auth: 'bearer', yaml: 'team: c\n' });
  store.setServedDocument({ repo: 'example-org/team-d', cloud: 'agents', servePath: '/jenkins/casc', auth: 'bearer', yaml: 'team: d\n' });
  const handle = serveCasc(store);
  server = createServer((request: IncomingMessage, response) => {
    if (!handle(request, response)) response.writeHead(404).end('not found\n');
    loggedUrls.push(request.url ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jenkins/casc`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  store.close();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<[number, string]> {
  const response = await fetch(`${base}${path}`, { headers });
  return [response.status, await response.text()];
}

describe('serving JCasC documents, each repository with its own credential', () => {
  it("serves A's document at A's capability URL, and never lets the capability reach the access log", async () => {
    const { capability } = store.serveCredential('example-org/team-a');
    expect(capability).toMatch(/^[A-Za-z0-9_-]{43}$/);
    loggedUrls.length = 0;

    expect(await get(`/example-org/team-a/${capability}/agents.yaml`)).toEqual([200, 'team: a\n']);
    expect(loggedUrls).toEqual([`/jenkins/casc/example-org/team-a/${hiddenCapability}/agents.yaml`]);
  });

  it("does not serve A's document with B's capability, nor without one", async () => {
    const a = store.serveCredential('example-org/team-a');
    const b = store.serveCredential('example-org/team-b');
    expect(a.capability).not.toBe(b.capability);

    expect(await get(`/example-org/team-a/${b.capability}/agents.yaml`)).toEqual([404, 'not found\n']);
    expect(await get('/example-org/team-a/agents.yaml')).toEqual([404, 'not found\n']);
    expect(await get(`/example-org/team-b/${b.capability}/agents.yaml`)).toEqual([200, 'team: b\n']);
  });

  it('stops serving at the old capability once it is rotated', async () => {
    const old = store.serveCredential('example-org/team-a');
    const rotated = store.rotateServeCredential('example-org/team-a');

    expect(await get(`/example-org/team-a/${old.capability}/agents.yaml`)).toEqual([404, 'not found\n']);
    expect(await get(`/example-org/team-a/${rotated.capability}/agents.yaml`)).toEqual([200, 'team: a\n']);
    expect(store.serveCredential('example-org/team-a')).toEqual(rotated);
  });

  it("answers a bearer document only to that repository's token", async () => {
    const c = store.serveCredential('example-org/team-c');
    const d = store.serveCredential('example-org/team-d');

    expect(await get('/example-org/team-c/agents.yaml', { authorization: `Bearer ${d.token}` })).toEqual([401, 'A valid bearer token for this repository is required.\n']);
    expect(await get('/example-org/team-c/agents.yaml')).toEqual([401, 'A valid bearer token for this repository is required.\n']);
    expect(await get('/example-org/team-c/agents.yaml', { authorization: `Bearer ${c.token}` })).toEqual([200, 'team: c\n']);
    // The capability form does not open a bearer document.
    expect(await get(`/example-org/team-c/${c.capability}/agents.yaml`)).toEqual([404, 'not found\n']);
  });
});

describe('describeServeCredential', () => {
  it('prints the capability URL per serving controller, and rotates on request', async () => {
    const { describeServeCredential } = await import('../../src/cli/serve-credential.ts');
    const { parseOperatorSettings } = await import('../../src/config/read-operator-settings.ts');
    const operator = parseOperatorSettings(
      'jenkins:\n  main: { url: "https://jenkins.example.com/", auth: { reloadTokenEnv: T_RELOAD }, delivery: { serve: { enabled: true } } }\n',
      'operator.yml',
    );
    const before = store.serveCredential('example-org/team-b');
    expect(describeServeCredential(store, operator, 'example-org/team-b', false)).toBe(`main: <app URL>/jenkins/casc/example-org/team-b/${before.capability}/<cloud>.yaml\n`);
    const printed = describeServeCredential(store, operator, 'example-org/team-b', true);
    expect(printed).not.toContain(before.capability);
    expect(printed).toContain(store.serveCredential('example-org/team-b').capability);
  });
});
