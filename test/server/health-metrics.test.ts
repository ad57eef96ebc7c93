import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/adapters/github/github-client.ts';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { readTrivyDatabase } from '../../src/adapters/trivy/trivy-database.ts';
import { JobQueue } from '../../src/jobs/job-queue.ts';
import { serveHealth, type ReadinessProbes } from '../../src/server/health.ts';
import { DockyardMetrics } from '../../src/server/metrics.ts';
import { WritePacer } from '../../src/adapters/github/write-pacing.ts';
import { api } from '../mocks/github-api.ts';
import { testOctokit } from '../mocks/test-probot.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => boolean | Promise<boolean>;

/** A plain HTTP server running the given handlers in turn, as Probot's server runs added handlers. */
async function serve(...handlers: Handler[]): Promise<{ url: string; server: Server }> {
  const server = createServer(async (request, response) => {
    for (const handler of handlers) if (await handler(request, response)) return;
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const servers: Server[] = [];
let trivyCache: string;

beforeAll(async () => {
  trivyCache = await mkdtemp(path.join(tmpdir(), 'dockyard-health-'));
});

afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await rm(trivyCache, { recursive: true, force: true });
});

async function get(url: string): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

async function writeTrivyDb(nextUpdate: string): Promise<void> {
  await mkdir(path.join(trivyCache, 'db'), { recursive: true });
  await writeFile(path.join(trivyCache, 'db', 'metadata.json'), JSON.stringify({ Version: 2, NextUpdate: nextUpdate, UpdatedAt: '2026-11-29T00:00:00Z' }));
  await writeFile(path.join(trivyCache, 'db', 'trivy.db'), 'db');
}

describe('/healthz and /readyz', () => {
  it('is live, and ready only while the store reads, the engine answers and the offline Trivy DB is fresh', async () => {
    const store = new StateStore(':memory:');
    let engineUp = false;
    const probes: ReadinessProbes = {
      state: () => store.assertReadable(),
      docker: async () => {
        if (!engineUp) throw new Error('connect ECONNREFUSED /var/run/docker.sock');
      },
      trivy: () => readTrivyDatabase(trivyCache, new Date('2026-11-30T12:00:00Z')),
      trivyOffline: true,
    };
    const { url, server } = await serve(serveHealth(probes));
    servers.push(server);

    expect(await get(`${url}/healthz`)).toEqual({ status: 200, type: 'application/json; charset=utf-8', body: '{"status":"live"}\n' });

    const down = await get(`${url}/readyz`);
    expect(down.status).toBe(503);
    const body = JSON.parse(down.body) as { status: string; notReady: string[]; parts: Record<string, { ready: boolean; detail?: string }> };
    expect(body.status).toBe('not ready');
    expect(body.notReady).toEqual(['docker', 'trivy']);
    expect(body.parts['state']).toEqual({ ready: true });
    expect(body.parts['docker']).toEqual({ ready: false, detail: 'connect ECONNREFUSED /var/run/docker.sock' });
    expect(body.parts['trivy']?.detail).toContain('There is no Trivy vulnerability DB');

    engineUp = true;
    await writeTrivyDb('2026-11-30T06:00:00Z');
    const stale = JSON.parse((await get(`${url}/readyz`)).body) as typeof body;
    expect(stale.notReady).toEqual(['trivy']);
    expect(stale.parts['trivy']?.detail).toBe('DB built 2026-11-29T00:00:00.000Z, next update 2026-11-30T06:00:00.000Z (stale): offline scans never refresh it; replace the DB.');

    await writeTrivyDb('2026-12-01T06:00:00Z');
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', parts: { state: { ready: true }, docker: { ready: true }, trivy: { ready: true } } });

    store.close();
    const closed = await get(`${url}/readyz`);
    expect(closed.status).toBe(503);
    expect(JSON.parse(closed.body)).toMatchObject({ notReady: ['state'], parts: { state: { ready: false, detail: 'database is not open' } } });
  });

  it('stays ready without a Trivy DB when Trivy scans online: it downloads one at the next scan', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'dockyard-health-online-'));
    const { url, server } = await serve(serveHealth({ state: () => undefined, trivy: () => readTrivyDatabase(empty, new Date()), trivyOffline: false }));
    servers.push(server);
    const answer = await get(`${url}/readyz`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ready', parts: { state: { ready: true }, trivy: { ready: true, detail: 'no usable DB yet: Trivy downloads one at the next scan' } } });
    await rm(empty, { recursive: true, force: true });
  });

  it('does not wait longer than its limit for an engine that does not answer', async () => {
    const { url, server } = await serve(serveHealth({ state: () => undefined, docker: () => new Promise(() => undefined), timeoutMs: 50 }));
    servers.push(server);
    const answer = await get(`${url}/readyz`);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ notReady: ['docker'], parts: { docker: { ready: false, detail: 'no answer within 50 ms' } } });
  });

  it('leaves every other path to the next handler', async () => {
    const { url, server } = await serve(serveHealth({ state: () => undefined }));
    servers.push(server);
    expect((await get(`${url}/ready`)).status).toBe(404);
  });
});

describe('/metrics', () => {
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('reports queue depth by kind and state, job attempts by outcome, webhook and push times, and GitHub\'s rate limit', async () => {
    const store = new StateStore(':memory:');
    const metrics = new DockyardMetrics(store);
    // Two writes of an installation held by a secondary limit GitHub answered.
    const pacer = new WritePacer([]);
    metrics.watchWrites(pacer);
    pacer.pause('installation 77', 60_000);
    const held = [pacer.schedule('installation 77', true, async () => undefined), pacer.schedule('installation 77', false, async () => undefined)];
    void held;
    const queue = new JobQueue(
      store,
      {
        publish: async () => undefined,
        register: async () => Promise.reject(new Error('Jenkins refused the document')),
      },
      pino({ level: 'silent' }),
      { observer: metrics.jobObserver, maxAttempts: 1 },
    );
    queue.enqueue('publish', 'publish:o/r:1', {}, 'o/r');
    queue.enqueue('register', 'register:o/r:1', {}, 'o/r');
    await queue.idle();
    queue.stop();
    // Recorded by a stopped queue: waits as it would for a free lane.
    store.enqueue({ key: 'publish:o/r:2', kind: 'publish', payload: {}, lane: 'o/r' });
    await metrics.timePush('moving', async () => ({ digest: 'sha256:x' }));

    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    nock(api)
      .get('/repos/o/r')
      .reply(200, {}, { 'x-ratelimit-remaining': '4987', 'x-ratelimit-limit': '5000', 'x-ratelimit-resource': 'core' })
      .get('/repos/o/r/contents/x')
      .reply(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '5000', 'x-ratelimit-resource': 'core' });
    const octokit = testOctokit();
    const webhook = metrics.webhook(async (context: { name: string; payload: object; octokit: GitHubClient }) => {
      await context.octokit.rest.repos.get({ owner: 'o', repo: 'r' });
      await context.octokit.rest.repos.getContent({ owner: 'o', repo: 'r', path: 'x' });
    });
    await expect(webhook({ name: 'push', payload: { installation: { id: 77 } }, octokit })).rejects.toThrow('rate limit');

    const { url, server } = await serve(metrics.handler());
    servers.push(server);
    const answer = await get(`${url}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = answer.body.split('\n');
    expect(lines).toContain('dockyard_jobs{kind="publish",state="pending"} 1');
    expect(lines).toContain('dockyard_jobs{kind="register",state="gave-up"} 1');
    expect(lines).toContain('dockyard_job_attempt_duration_seconds_count{kind="publish",outcome="succeeded"} 1');
    expect(lines).toContain('dockyard_job_attempt_duration_seconds_count{kind="register",outcome="gave-up"} 1');
    expect(lines).toContain('dockyard_push_duration_seconds_count{tag="moving",outcome="ok"} 1');
    expect(lines).toContain('dockyard_webhook_duration_seconds_count{event="push",outcome="error"} 1');
    expect(lines).toContain('dockyard_github_rate_limit_remaining{installation="77",resource="core"} 0');
    expect(lines).toContain('dockyard_github_rate_limit{installation="77",resource="core"} 5000');
    expect(lines).toContain('dockyard_github_writes_waiting 2');
    expect(lines.some((line) => line.startsWith('process_cpu_user_seconds_total'))).toBe(true);
    store.close();
  });
});
