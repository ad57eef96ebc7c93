import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Dockerode from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { detectFrontend, frontendFor } from '../../../src/adapters/docker/detect-frontend.ts';
import { dockerTestEnv } from './docker-test-env.ts';

const unsupported =
  'Dockyard checks that it reads every Dockerfile exactly as the BuildKit frontend that builds it, and has verified that only for ' +
  'Docker Engine 20.10.x on Linux (built-in BuildKit v0.8, frontend `buildkit-0.8`), so it builds nothing on this engine. ' +
  'Point DOCKER_HOST at a Docker Engine 20.10 host.';

describe('frontendFor', () => {
  it.each(['20.10.24+dfsg1', '20.10.0', '20.10.27'])('reads Docker Engine %s on Linux as BuildKit v0.8', (version) => {
    expect(frontendFor({ version, apiVersion: '1.41', os: 'linux', builderVersion: '2' })).toBe('buildkit-0.8');
    // The header says only which builder `docker build` picks by default; Dockyard always asks for BuildKit.
    expect(frontendFor({ version, apiVersion: '1.41', os: 'linux', builderVersion: '1' })).toBe('buildkit-0.8');
  });

  it.each([
    [{ version: '28.2.2', apiVersion: '1.50', os: 'linux', builderVersion: '2' }, 'Docker Engine 28.2.2 (API 1.50, linux, Builder-Version 2)'],
    [{ version: '19.03.15', apiVersion: '1.40', os: 'linux' }, 'Docker Engine 19.03.15 (API 1.40, linux)'],
    [{ version: '20.10.24', apiVersion: '1.41', os: 'windows', builderVersion: '1' }, 'Docker Engine 20.10.24 (API 1.41, windows, Builder-Version 1)'],
    [{ version: '4.9.3', apiVersion: '1.41', os: 'linux' }, 'Docker Engine 4.9.3 (API 1.41, linux)'],
    [{ version: '', apiVersion: '', os: '' }, 'Docker Engine (no version) (API ?, unknown OS)'],
  ])('refuses any other engine, saying which it found and what to do: %o', (facts, found) => {
    expect(() => frontendFor(facts)).toThrow(expect.objectContaining({
      name: 'UserError',
      message: `The Docker engine Dockyard builds on is ${found}. ${unsupported}`,
    }));
  });
});

describe('detectFrontend', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** An engine that answers `/_ping` and `/version` as `answers` say, counting what it was asked. */
  async function fakeEngine(version: Record<string, string>, builderVersion: string): Promise<{ docker: Dockerode; asked: string[] }> {
    const asked: string[] = [];
    server = createServer((req, res) => {
      const path = (req.url ?? '').replace(/^\/v[\d.]+/, '').replace(/\?.*$/, '');
      asked.push(`${req.method} ${path}`);
      if (path === '/_ping') {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Builder-Version': builderVersion, 'Api-Version': '1.41' }).end('OK');
      } else if (path === '/version') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(version));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { docker: new Dockerode({ host: '127.0.0.1', port, protocol: 'http' }), asked };
  }

  it('asks /_ping and /version once per engine and remembers the answer', async () => {
    const { docker, asked } = await fakeEngine({ Version: '20.10.24+dfsg1', ApiVersion: '1.41', Os: 'linux' }, '2');

    expect(await detectFrontend(docker)).toBe('buildkit-0.8');
    expect(await detectFrontend(docker)).toBe('buildkit-0.8');
    expect(asked).toEqual(['GET /_ping', 'GET /version']);
  });

  it('passes the Builder-Version header into what it says of an engine it refuses', async () => {
    const { docker } = await fakeEngine({ Version: '27.5.1', ApiVersion: '1.47', Os: 'linux' }, '2');

    await expect(detectFrontend(docker)).rejects.toMatchObject({
      name: 'UserError',
      message: `The Docker engine Dockyard builds on is Docker Engine 27.5.1 (API 1.47, linux, Builder-Version 2). ${unsupported}`,
    });
  });

  it('turns an engine that does not answer into a retryable OutsideError, and asks again next time', async () => {
    const docker = new Dockerode({ socketPath: '/nonexistent/docker.sock' });

    await expect(detectFrontend(docker)).rejects.toMatchObject({
      name: 'OutsideError',
      system: 'docker',
      message: expect.stringContaining('Check that the engine is running and reachable (DOCKER_HOST)'),
    });
    await expect(detectFrontend(docker)).rejects.toMatchObject({ name: 'OutsideError' });
  });

  it("reads the CI engine (Debian's docker.io 20.10) as BuildKit v0.8", async () => {
    const { docker } = await dockerTestEnv();

    expect(await detectFrontend(docker)).toBe('buildkit-0.8');
  });
});
