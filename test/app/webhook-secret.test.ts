import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { checkWebhookSecret } from '../../src/config/webhook-secret.ts';

const root = path.resolve(import.meta.dirname, '../..');
const start = path.join(root, 'src/start.ts');

/** Starts the app the way the README does (`node src/start.ts`), as a real process, and waits for it to end (or not). */
async function startApp(env: Record<string, string>, cwd = root) {
  const dir = mkdtempSync(path.join(tmpdir(), 'dockyard-start-'));
  const key = path.join(dir, 'app.pem');
  writeFileSync(key, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }));
  return execa(process.execPath, [start], {
    cwd,
    env: { APP_ID: '1', PRIVATE_KEY_PATH: key, PORT: '0', DOCKYARD_STATE_DIR: path.join(dir, 'state'), LOG_LEVEL: 'warn', ...env },
    extendEnv: false,
    reject: false,
    timeout: 20_000,
    all: true,
  });
}

describe('the app refuses to run without a webhook secret', () => {
  it('exits non-zero with a clear message when WEBHOOK_SECRET is not set', async () => {
    const result = await startApp({ PATH: process.env.PATH ?? '' });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('WEBHOOK_SECRET is not set');
    expect(result.all).not.toMatch(/\n\s+at /);
  });

  it('exits non-zero when WEBHOOK_SECRET is the public default `development`', async () => {
    const result = await startApp({ PATH: process.env.PATH ?? '', WEBHOOK_SECRET: 'development' });
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('WEBHOOK_SECRET is `development`');
  });
});

describe('the app refuses write limits it cannot read', () => {
  it('exits non-zero naming DOCKYARD_GITHUB_WRITE_LIMITS and what to write', async () => {
    const result = await startApp({ PATH: process.env.PATH ?? '', WEBHOOK_SECRET: 'a-long-random-secret-for-this-test', DOCKYARD_GITHUB_WRITE_LIMITS: '80 a minute' });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('DOCKYARD_GITHUB_WRITE_LIMITS: "80 a minute" is not <count>/<s|min|h>');
    expect(result.all).not.toMatch(/\n\s+at /);
  });

  it('reads them from .env too, as Probot loads it over the environment', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dockyard-dotenv-'));
    writeFileSync(path.join(dir, '.env'), 'DOCKYARD_GITHUB_WRITE_LIMITS=80 a minute\n');
    const result = await startApp({ PATH: process.env.PATH ?? '', WEBHOOK_SECRET: 'a-long-random-secret-for-this-test' }, dir);
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('DOCKYARD_GITHUB_WRITE_LIMITS: "80 a minute" is not <count>/<s|min|h>');
  });
});

describe('the app starts with a real secret', () => {
  it('listens for webhooks', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dockyard-start-'));
    const key = path.join(dir, 'app.pem');
    writeFileSync(key, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const child = execa(process.execPath, [start], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        APP_ID: '1',
        PRIVATE_KEY_PATH: key,
        PORT: '0',
        WEBHOOK_SECRET: 'a-long-random-secret-for-this-test',
        DOCKYARD_STATE_DIR: path.join(dir, 'state'),
        LOG_LEVEL: 'info',
      },
      extendEnv: false,
      reject: false,
      all: true,
    });
    let output = '';
    const listening = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 20_000);
      child.all?.on('data', (chunk: Buffer) => {
        output += String(chunk);
        if (output.includes('Listening on')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      void child.then(() => resolve(false));
    });
    child.kill('SIGKILL');
    await child;
    expect(listening, output).toBe(true);
  });
});

describe('checkWebhookSecret', () => {
  it('accepts a real secret', () => {
    expect(checkWebhookSecret({ WEBHOOK_SECRET: 'b6f1c0e4a9d2…long-random' })).toEqual({ ok: true, development: false });
  });

  it('refuses a missing, empty or default secret', () => {
    for (const env of [{}, { WEBHOOK_SECRET: '' }, { WEBHOOK_SECRET: '  ' }, { WEBHOOK_SECRET: 'development' }]) {
      expect(checkWebhookSecret(env).ok).toBe(false);
    }
  });

  it('lets an explicit development mode run without one, and says so', () => {
    expect(checkWebhookSecret({ DOCKYARD_DEVELOPMENT_MODE: 'true' })).toEqual({ ok: true, development: true });
    expect(checkWebhookSecret({ DOCKYARD_DEVELOPMENT_MODE: 'yes' }).ok).toBe(false);
  });
});
