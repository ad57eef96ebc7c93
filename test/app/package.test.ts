import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';

// Both tests build lib/ (`npm start` and `npm pack` run the build first), so they share one file and run in turn.
const root = path.resolve(import.meta.dirname, '../..');
const nodeDir = path.dirname(process.execPath);
const npmEnv = { PATH: `${nodeDir}${path.delimiter}${process.env['PATH'] ?? ''}`, HOME: process.env['HOME'] ?? tmpdir() };
const dirs: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('npm start', () => {
  it('builds the app and runs it with Probot: it listens and answers', { timeout: 180_000 }, async () => {
    const dir = await tempDir('dockyard-npm-start-');
    const key = path.join(dir, 'app.pem');
    await writeFile(key, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const child = execa('npm', ['start'], {
      cwd: root,
      env: {
        ...npmEnv,
        APP_ID: '1',
        PRIVATE_KEY_PATH: key,
        WEBHOOK_SECRET: 'a-long-random-secret-for-this-test',
        PORT: '0',
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
        DOCKYARD_STATE_DIR: path.join(dir, 'state'),
      },
      extendEnv: false,
      reject: false,
      all: true,
      detached: true,
    });
    let output = '';
    const port = await new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 150_000);
      child.all?.on('data', (chunk: Buffer) => {
        output += String(chunk);
        const listening = /Listening on http:\/\/[^\s"]+:(\d+)/.exec(output);
        if (listening) {
          clearTimeout(timer);
          resolve(Number(listening[1]));
        }
      });
      void child.then(() => resolve(undefined));
    });
    try {
      expect(port, output).toBeGreaterThan(0);
      const ping = await fetch(`http://127.0.0.1:${port}/ping`);
      expect(await ping.text()).toBe('PONG');
      // A delivery without a valid signature is refused: the secret from the environment is the one in use.
      const forged = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': '1', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
        body: '{}',
      });
      expect(forged.status).toBe(400);
      expect(existsSync(path.join(root, 'lib/index.js'))).toBe(true);
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      await child;
    }
  });
});

describe('the packed package', () => {
  it('installs from its tarball and runs `dockyard` from node_modules/.bin', { timeout: 300_000 }, async () => {
    const packDir = await tempDir('dockyard-pack-');
    await execa('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: root, env: npmEnv });
    const [tarball] = (await readdir(packDir)).filter((name) => name.endsWith('.tgz'));
    expect(tarball).toBeDefined();

    const project = await tempDir('dockyard-install-');
    await writeFile(path.join(project, 'package.json'), '{ "name": "uses-dockyard", "private": true }\n');
    await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', path.join(packDir, tarball ?? '')], { cwd: project, env: npmEnv });
    const installed = path.join(project, 'node_modules/dockyard');
    // Only built JavaScript: Node would refuse to strip types under node_modules.
    expect(existsSync(path.join(installed, 'src'))).toBe(false);
    expect(existsSync(path.join(installed, 'lib/cli/main.js'))).toBe(true);
    const dockyard = path.join(project, 'node_modules/.bin/dockyard');

    const help = await execa(dockyard, ['--help'], { env: npmEnv, reject: false });
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: dockyard [options] [command]');

    const catalog = await tempDir('dockyard-catalog-');
    for (const entry of ['images', '.github', '.hadolint.yaml']) await cp(path.join(root, entry), path.join(catalog, entry), { recursive: true });
    const check = await execa(dockyard, ['-C', catalog, 'check'], { env: { ...npmEnv, DOCKYARD_HADOLINT: hadolintBinary() }, reject: false });
    expect({ code: check.exitCode, stdout: check.stdout, stderr: check.stderr }).toEqual({
      code: 0,
      stdout: 'Dockyard: checked 3 images (base, boto3, python): all checks passed.',
      stderr: '',
    });
  });
});
