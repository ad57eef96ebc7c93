import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const stateDir = process.env['DOCKYARD_CI_STATE'] || '/tmp/dockyard-ci';
const image = 'dockyard-ci/app:test';
// Debian's client: /usr/local/bin/docker (28.x) refuses DOCKER_BUILDKIT=1 without the buildx plugin (scripts/ci/README.md).
const dockerCli = '/usr/bin/docker';
// Where this machine's TLS-intercepting proxy, if any, is trusted: handed to the build as the Dockerfile's CA secret.
const hostCaBundle = '/etc/ssl/certs/ca-certificates.crt';

let container: string | undefined;

function nodeBase(): string {
  const file = path.join(stateDir, 'node-base.env');
  const base = existsSync(file) ? /^DOCKYARD_NODE_BASE=(.+)$/m.exec(readFileSync(file, 'utf8'))?.[1] : undefined;
  if (!base) throw new Error(`${file} names no Node.js base image; run bash scripts/ci/make-node-base.sh`);
  return base;
}

async function docker(...args: string[]) {
  return execa(dockerCli, args, { reject: false, all: true });
}

async function inspect(format: string, target: string): Promise<string> {
  return (await docker('inspect', '--format', format, target)).stdout.trim();
}

beforeAll(async () => {
  const secret = existsSync(hostCaBundle) ? ['--secret', `id=ca-certificates,src=${hostCaBundle}`] : [];
  const build = await execa(dockerCli, ['build', '--progress=plain', '--build-arg', `NODE_IMAGE=${nodeBase()}`, ...secret, '--tag', image, '.'], {
    cwd: root,
    env: { DOCKER_BUILDKIT: '1' },
    reject: false,
    all: true,
  });
  if (build.exitCode !== 0) throw new Error(`docker build of the app image failed:\n${build.all?.split('\n').slice(-40).join('\n')}`);
}, 900_000);

afterAll(async () => {
  if (container) await docker('rm', '--force', container);
});

describe("the app's container image", () => {
  it('runs the app as a non-root user, passes its health check and answers on its port', { timeout: 120_000 }, async () => {
    expect(await inspect('{{.Config.User}}', image)).toBe('10001:10001');
    expect(await inspect('{{json .Config.Healthcheck.Test}}', image)).toContain('/ping');

    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    // The key and the secret reach the container through the client's environment, never its command line.
    const run = await execa(
      dockerCli,
      ['run', '--detach', '--publish', '127.0.0.1::3000', '--health-interval', '1s', '--env', 'APP_ID=1', '--env', 'PRIVATE_KEY', '--env', 'WEBHOOK_SECRET', image],
      { env: { PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 'a-long-random-secret-for-this-test' }, reject: false, all: true },
    );
    expect(run.exitCode, run.all).toBe(0);
    container = run.stdout.trim();

    let health = '';
    for (let waited = 0; waited < 60_000 && health !== 'healthy' && health !== 'unhealthy'; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      health = await inspect('{{.State.Health.Status}}', container);
    }
    expect(health, (await docker('logs', container)).all).toBe('healthy');

    const processes = await docker('top', container, '-eo', 'pid,uid,args');
    const rows = processes.stdout.trim().split('\n').slice(1);
    expect(rows.some((row) => row.includes('node ./lib/start.js')), processes.stdout).toBe(true);
    expect(rows.map((row) => row.trim().split(/\s+/)[1]), processes.stdout).toEqual(rows.map(() => '10001'));

    const port = (await docker('port', container, '3000/tcp')).stdout.trim().split(':').at(-1);
    expect(await (await fetch(`http://127.0.0.1:${port}/ping`)).text()).toBe('PONG');
    expect((await docker('logs', container)).all).toContain('Listening on http://0.0.0.0:3000');

    const tools = await docker('exec', container, 'sh', '-c', 'hadolint --version && trivy --version');
    expect(tools.stdout).toContain('2.15.1');
    expect(tools.stdout).toContain('Version: 0.76.0');
  });
});
