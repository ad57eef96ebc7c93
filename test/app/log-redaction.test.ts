import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { StateStore, type ServeCredential } from '../../src/adapters/state/state-store.ts';
import { redact, registerSecret } from '../../src/logging/secrets.ts';
import { redactLogLine } from '../../src/server/log-redaction.ts';

const root = path.resolve(import.meta.dirname, '../..');
const start = path.join(root, 'src/start.ts');
const servePath = '/jenkins/casc';
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Prepared {
  dir: string;
  key: string;
  stateDir: string;
  capabilityRepo: ServeCredential;
  bearerRepo: ServeCredential;
}

/** A state directory already holding one document served by capability and one by bearer token, as registration stores them. */
function prepare(): Prepared {
  const dir = mkdtempSync(path.join(tmpdir(), 'dockyard-log-redaction-'));
  dirs.push(dir);
  const key = path.join(dir, 'app.pem');
  writeFileSync(key, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }));
  const stateDir = path.join(dir, 'state');
  const store = new StateStore(path.join(stateDir, 'dockyard.sqlite'));
  try {
    store.setServedDocument({ repo: 'example-org/team-a', cloud: 'agents', servePath, auth: 'capability', yaml: 'team: a\n' });
    store.setServedDocument({ repo: 'example-org/team-b', cloud: 'agents', servePath, auth: 'bearer', yaml: 'team: b\n' });
    return { dir, key, stateDir, capabilityRepo: store.serveCredential('example-org/team-a'), bearerRepo: store.serveCredential('example-org/team-b') };
  } finally {
    store.close();
  }
}

/** Every form a secret could be written in: as is, base64 (Basic auth) and URL-encoded. */
function forms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
}

/** A port nothing listens on now (Probot reads `PORT=0` as 3000, which other tests' apps may hold). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the app as a real process (`node src/start.ts`), makes `requests` once it listens, waits until
 * the access log has a line for each, and returns the answers and the process's whole output.
 */
async function runApp(prepared: Prepared, logFormat: 'json' | 'pretty', requests: { path: string; headers?: Record<string, string> }[]) {
  const port = await freePort();
  const child = execa(process.execPath, [start], {
    cwd: prepared.dir,
    env: {
      PATH: process.env.PATH ?? '',
      APP_ID: '1',
      PRIVATE_KEY_PATH: prepared.key,
      PORT: String(port),
      HOST: '127.0.0.1',
      WEBHOOK_SECRET: 'a-long-random-secret-for-this-test',
      DOCKYARD_STATE_DIR: prepared.stateDir,
      LOG_FORMAT: logFormat,
      LOG_LEVEL: 'trace',
    },
    extendEnv: false,
    reject: false,
    all: true,
  });
  let output = '';
  const waiters: { test: () => boolean; resolve: (ok: boolean) => void }[] = [];
  const settle = (): void => {
    for (const waiter of waiters.splice(0)) {
      if (waiter.test()) waiter.resolve(true);
      else waiters.push(waiter);
    }
  };
  child.all?.on('data', (chunk: Buffer) => {
    output += String(chunk);
    settle();
  });
  const until = (test: () => boolean): Promise<boolean> =>
    new Promise((resolve) => {
      if (test()) return resolve(true);
      const timer = setTimeout(() => resolve(false), 20_000);
      waiters.push({ test, resolve: (ok) => (clearTimeout(timer), resolve(ok)) });
      void child.then(() => resolve(test()));
    });
  try {
    expect(await until(() => output.includes(`Listening on http://127.0.0.1:${port}`)), output).toBe(true);
    const answers: [number, string][] = [];
    for (const request of requests) {
      const response = await fetch(`http://127.0.0.1:${port}${request.path}`, { headers: request.headers ?? {} });
      answers.push([response.status, await response.text()]);
    }
    const logged = (): number => output.split('\n').filter((line) => line.includes(`GET ${servePath}/`)).length;
    expect(await until(() => logged() >= requests.length), output).toBe(true);
    return { answers, output };
  } finally {
    child.kill('SIGKILL');
    await child;
  }
}

describe.each(['json', 'pretty'] as const)('with LOG_FORMAT=%s at LOG_LEVEL=trace, the served URL never reaches the log', (logFormat) => {
  it('serves by capability and by bearer token, and the output never holds the capability, a guessed one, or the token', { timeout: 60_000 }, async () => {
    const prepared = prepare();
    const { capability } = prepared.capabilityRepo;
    const { token } = prepared.bearerRepo;
    const guessed = randomBytes(32).toString('base64url');
    const capabilityUrl = `${servePath}/example-org/team-a/${capability}/agents.yaml`;

    const { answers, output } = await runApp(prepared, logFormat, [
      { path: capabilityUrl },
      { path: `${servePath}/example-org/team-a/${guessed}/agents.yaml` },
      { path: `${capabilityUrl}?from=jenkins`, headers: { authorization: `Bearer ${token}`, cookie: `session=${token}` } },
      { path: `${servePath}/example-org/team-b/agents.yaml`, headers: { authorization: `Bearer ${token}` } },
      { path: `${servePath}/example-org/team-b/agents.yaml`, headers: { authorization: `Bearer ${capability}` } },
    ]);

    expect(answers).toEqual([
      [200, 'team: a\n'],
      [404, ''],
      [200, 'team: a\n'],
      [200, 'team: b\n'],
      [401, 'A valid bearer token for this repository is required.\n'],
    ]);
    // The requests were logged, under their paths, at the level asked for.
    expect(output).toContain(`GET ${servePath}/example-org/team-a/[capability]/agents.yaml 200`);
    expect(output).toContain(`GET ${servePath}/example-org/team-a/[REDACTED]/agents.yaml 404`);
    expect(output).toContain(`GET ${servePath}/example-org/team-b/agents.yaml 200`);
    expect(output).toContain(`GET ${servePath}/example-org/team-b/agents.yaml 401`);
    if (logFormat === 'json') expect(output).toMatch(/"req":\{[^\n]*"method":"GET"/);
    for (const secret of [capability, token, guessed]) {
      for (const form of forms(secret)) expect(output).not.toContain(form);
    }
  });
});

describe('redactLogLine', () => {
  it("hides a served URL's capability segment, registered or not, and keeps the rest of the path", () => {
    const capability = randomBytes(32).toString('base64url');
    expect(redactLogLine(`GET /jenkins/casc/example-org/team-a/${capability}/agents.yaml 404 - 1ms`)).toBe('GET /jenkins/casc/example-org/team-a/[REDACTED]/agents.yaml 404 - 1ms');
    expect(redact(`Failed to fetch configuration from https://dockyard.example/casc/o/r/${capability}/agents.yaml?x=1`)).toBe('Failed to fetch configuration from https://dockyard.example/casc/o/r/[REDACTED]/agents.yaml?x=1');
  });

  it('hides Authorization credentials, but not the words', () => {
    expect(redactLogLine('{"authorization":"Bearer abcdefgh1234567890"}')).toBe('{"authorization":"Bearer [REDACTED]"}');
    expect(redactLogLine('Basic dXNlcjpwYXNzd29yZA==')).toBe('Basic [REDACTED]');
    expect(redactLogLine('a valid bearer token for this repository is required')).toBe('a valid bearer token for this repository is required');
  });

  it('hides a registered secret also as a JSON log line writes it', () => {
    const secret = 'pass"word\\with-quotes';
    registerSecret(secret);
    expect(redactLogLine(JSON.stringify({ msg: `login with ${secret}` }))).toBe('{"msg":"login with [REDACTED]"}');
  });
});
