import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../../src/adapters/docker/build-image.ts';
import { defaultProbeTargets, gatewayHost, probeBuildEgress } from '../../../src/adapters/docker/egress-probe.ts';
import { hasImage } from '../../../src/adapters/docker/image-store.ts';
import type { BuildLimits, BuildResult } from '../../../src/adapters/docker/types.ts';
import { readDockerfile } from '../../../src/domain/dockerfile/read-dockerfile.ts';
import { checkAddSources, compileAddHosts } from '../../../src/domain/policy/check-add-sources.ts';
import { CreatedImages, FixtureFolders, dockerTestEnv, request, type DockerTestEnv } from './docker-test-env.ts';

// Each attack against the real engine of scripts/ci (Docker Engine 20.10, BuildKit v0.8), whose host
// carries scripts/build-egress-firewall.sh (start-dockerd.sh applies it). A listener on this host's
// loopback stands for a service of the engine host; one on the docker0 gateway address for the cloud
// metadata service and anything else on the host's private side.

const run = randomBytes(4).toString('hex');
const folders = new FixtureFolders();
const images = new CreatedImages();
const exec = promisify(execFile);
let env: DockerTestEnv;
let gateway: string;
/** A local image without a shell, which the probe must pass over. */
let noShell: string;

class Listener {
  readonly hits: string[] = [];
  private readonly server = http.createServer((req, res) => {
    this.hits.push(`${req.method} ${req.url}`);
    res.end(`SECRET-${run}\n`);
  });
  port = 0;

  async listen(host: string): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
const listeners: Listener[] = [];
async function listener(host: string): Promise<Listener> {
  const made = await new Listener().listen(host);
  listeners.push(made);
  return made;
}

function limits(fields: Partial<BuildLimits> = {}): BuildLimits {
  return { timeoutMs: 120_000, network: 'default', addHosts: [], maxContextBytes: 10 * 1024 * 1024, maxOutputBytes: 10 * 1024 * 1024, ...fields };
}

function tag(name: string): string {
  const reference = `dockyard-ci-test/egress-${run}:${name}`;
  images.tag(reference);
  return reference;
}

/** Processes on this host (the engine's) whose command line contains `text`. */
async function processesWith(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (command.includes(text) && !command.includes('vitest')) found.push(`${pid}: ${command.replaceAll('\0', ' ')}`);
  }
  return found;
}

const text = (result: BuildResult) => JSON.stringify(result);

beforeAll(async () => {
  env = await dockerTestEnv();
  const bridge = (await exec('ip', ['-4', '-o', 'addr', 'show', 'docker0'])).stdout;
  gateway = /inet (\d+\.\d+\.\d+\.\d+)/.exec(bridge)?.[1] ?? '';
  if (!gateway) throw new Error(`docker0 has no IPv4 address (${bridge}); start the engine with bash scripts/ci/start-dockerd.sh`);
  const rules = await exec('iptables', ['-S', 'DOCKYARD-BUILD-IN']).catch(() => ({ stdout: '' }));
  if (!rules.stdout.includes('REJECT')) throw new Error('the build firewall is not applied; run: bash scripts/ci/start-dockerd.sh');
  noShell = tag('no-shell');
  const dir = await folders.create('no-shell', { Dockerfile: 'FROM scratch\nCOPY marker /marker\n', marker: run });
  const made = images.track(await buildImage(env.docker, request(dir, { tags: [noShell], expectedImages: [] })));
  if (made.status !== 'built') throw new Error(`building the shell-less image failed: ${text(made)}`);
});

afterAll(async () => {
  await Promise.all(listeners.map((made) => made.close()));
  if (env) await images.removeAll(env.docker);
  await folders.cleanup();
});

describe('ADD <url> (fetched by the engine on its own host)', () => {
  it('without Dockyard\'s limits the engine fetches from its host\'s loopback and the answer reaches the log', async () => {
    const secret = await listener('127.0.0.1');
    const dir = await folders.create('add-control', {
      Dockerfile: `FROM ${env.rootImage}\nADD http://127.0.0.1:${secret.port}/secret /secret\nRUN cat /secret\n`,
    });

    const result = images.track(await buildImage(env.docker, request(dir, { expectedImages: [env.rootImage], noCache: true })));

    // This is the attack: no build network or firewall is involved in the fetch.
    expect(result.status).toBe('built');
    expect(secret.hits).toEqual(['GET /secret']);
    expect(text(result)).toContain(`SECRET-${run}`);
  });

  it('is refused by the policy (DY005) at the ADD line, so the pull request never builds it', () => {
    const dockerfile = `FROM ${env.rootImage}\nADD http://127.0.0.1:8080/secret /secret\n`;
    expect(checkAddSources(readDockerfile(dockerfile, { frontend: 'buildkit-0.8' }), compileAddHosts(['deb.debian.org']))).toEqual([
      { line: 2, message: expect.stringContaining('names a loopback address (`127.0.0.1`)') },
    ]);
  });

  it('stops the build at the source when the reader missed it, tagging nothing and printing no answer', async () => {
    const secret = await listener('127.0.0.1');
    const dir = await folders.create('add-loopback', {
      Dockerfile: `FROM ${env.rootImage}\nADD http://127.0.0.1:${secret.port}/secret /secret\nRUN cat /secret\n`,
    });
    const target = tag('add-loopback');

    const result = await buildImage(env.docker, request(dir, { tags: [target], expectedImages: [env.rootImage], noCache: true, limits: limits({ addHosts: ['deb.debian.org'] }) }));

    expect(result).toEqual({
      status: 'unapproved',
      image: `http://127.0.0.1:${secret.port}/secret`,
      message: `BuildKit went to fetch \`http://127.0.0.1:${secret.port}/secret\` for \`add-loopback\`, and the build was cancelled: it names a loopback address (\`127.0.0.1\`): the engine fetches ADD sources from its own host, so this would reach the engine's host or its private network. ADD may never fetch from loopback, link-local or private addresses. Nothing was built or pushed.`,
      logTail: expect.any(Array),
      frontend: 'buildkit-0.8',
    });
    expect(text(result)).not.toContain(`SECRET-${run}`);
    expect(await hasImage(env.docker, target)).toBe(false);
    // BuildKit may fetch while it computes the source's cache key, before it reports the step:
    // the policy (DY005, above) is what keeps the fetch from happening at all.
    expect(secret.hits.length).toBeLessThanOrEqual(1);
  });

  it('stops the build at a source on the gateway address standing for the metadata service', async () => {
    const metadata = await listener(gateway);
    const dir = await folders.create('add-metadata', { Dockerfile: `FROM ${env.rootImage}\nADD http://${gateway}:${metadata.port}/latest/meta-data/ /m\n` });

    const result = await buildImage(env.docker, request(dir, { expectedImages: [env.rootImage], noCache: true, limits: limits() }));

    expect(result).toMatchObject({ status: 'unapproved', image: `http://${gateway}:${metadata.port}/latest/meta-data/` });
    expect(text(result)).not.toContain(`SECRET-${run}`);
  });
});

describe('RUN steps on the build network', () => {
  const connect = (host: string, port: number) =>
    `RUN bash -c 'exec 3<>/dev/tcp/${host}/${port}; printf "GET /run HTTP/1.0\\r\\n\\r\\n" >&3; cat <&3'\n`;

  it('cannot reach the engine host (its docker0 gateway) nor its other addresses', async () => {
    const host = await listener('0.0.0.0');
    const eth = (await exec('ip', ['-4', '-o', 'route', 'get', '203.0.113.80'])).stdout;
    const hostAddress = /src (\S+)/.exec(eth)?.[1] ?? '';
    for (const [name, address] of [['gateway', gateway], ['uplink', hostAddress]] as const) {
      const dir = await folders.create(`run-${name}`, { Dockerfile: `FROM ${env.rootImage}\n${connect(address, host.port)}` });

      const result = await buildImage(env.docker, request(dir, { expectedImages: [env.rootImage], noCache: true, limits: limits() }));

      expect(result).toMatchObject({ status: 'failed', step: expect.stringContaining('RUN bash') });
      expect(text(result)).toContain('No route to host');
    }
    expect(host.hits).toEqual([]);
  });

  it('still reaches public hosts such as Debian\'s mirror, by name', async () => {
    const dir = await folders.create('run-mirror', {
      Dockerfile: `FROM ${env.rootImage}\nRUN bash -c 'exec 3<>/dev/tcp/deb.debian.org/80; printf "HEAD /debian/ HTTP/1.0\\r\\nHost: deb.debian.org\\r\\n\\r\\n" >&3; head -n 1 <&3'\n`,
    });

    const result = images.track(await buildImage(env.docker, request(dir, { expectedImages: [env.rootImage], noCache: true, limits: limits() })));

    expect(result.status).toBe('built');
    expect(text(result)).toMatch(/HTTP\/1\.[01] \d{3}/);
  });

  it('has no network at all with `network: none`', async () => {
    const dir = await folders.create('run-none', { Dockerfile: `FROM ${env.rootImage}\nRUN bash -c 'exec 3<>/dev/tcp/deb.debian.org/80'\n` });

    const result = await buildImage(env.docker, request(dir, { expectedImages: [env.rootImage], noCache: true, limits: limits({ network: 'none' }) }));

    expect(result.status).toBe('failed');
    expect(text(result)).toMatch(/Network is unreachable|Temporary failure in name resolution|Name or service not known/);
  });
});

describe('the egress probe', () => {
  const holes: string[][] = [];
  afterEach(async () => {
    for (const rule of holes.splice(0)) await exec('iptables', ['-D', ...rule]);
  });

  it('finds the firewalled engine closed', async () => {
    const verdict = await probeBuildEgress([env.rootImage], defaultProbeTargets(), probeWith(env.docker));
    expect(verdict).toEqual({ status: 'closed', image: env.rootImage });
  });

  it('finds an engine open where the host answers a build step, and buildImage then refuses to build', async () => {
    // A test-only hole in the firewall for the probe's port on the gateway: an engine without the firewall.
    const rule = ['DOCKYARD-BUILD-IN', '-p', 'tcp', '--dport', '9', '-j', 'RETURN'];
    await exec('iptables', ['-I', ...rule.slice(0, 1), '1', ...rule.slice(1)]);
    holes.push(rule);

    const verdict = await probeBuildEgress([noShell, env.rootImage], defaultProbeTargets(), probeWith(env.docker));
    expect(verdict).toEqual({ status: 'open', image: env.rootImage, reachable: [{ host: gatewayHost, port: 9, what: 'the engine host (bridge gateway)' }] });

    const dir = await folders.create('refused', { Dockerfile: `FROM ${env.rootImage}\nRUN echo built-${run}\n` });
    // A new client: the verdict is kept per engine connection.
    const fresh = new Dockerode();
    await expect(buildImage(fresh, request(dir, { expectedImages: [env.rootImage], limits: limits() }))).rejects.toThrow(
      'A build step on the Docker engine can reach @gateway:9 (the engine host (bridge gateway)): the engine host does not block build steps from itself and from link-local and private networks. ' +
        'Dockyard builds nothing on this engine until its host carries the build firewall',
    );
  });

  it('says it cannot decide when no image has bash and timeout', async () => {
    const verdict = await probeBuildEgress(['docker.io/library/no-shell:none'], defaultProbeTargets(), async () => ({ logTail: [], failure: 'pull access denied' }));
    expect(verdict).toEqual({ status: 'unknown', reason: '`docker.io/library/no-shell:none` did not run it (pull access denied)' });
  });
});

describe('limits', () => {
  it('cancels a build over its time limit, reports it timed out, and leaves no step running', async () => {
    const sleeper = `600.${Number.parseInt(run, 16) % 100000}`;
    const dir = await folders.create('slow', { Dockerfile: `FROM ${env.rootImage}\nRUN sleep ${sleeper}\n` });
    const started = Date.now();
    let seenRunning: string[] = [];
    const watch = setInterval(() => {
      void processesWith(`sleep ${sleeper}`).then((found) => {
        if (found.length > 0) seenRunning = found;
      });
    }, 250);

    const result = await buildImage(env.docker, request(dir, { expectedImages: [env.rootImage], noCache: true, limits: limits({ timeoutMs: 5_000 }) }));
    clearInterval(watch);
    const took = Date.now() - started;

    expect(result).toMatchObject({
      status: 'failed',
      limit: 'timeout',
      message: "The build took longer than 5 s, the operator's limit (`build.timeoutSeconds`), and was cancelled; nothing was built or pushed. Make the build faster, or ask the platform team for a longer limit.",
    });
    expect(took).toBeLessThan(15_000);
    // The step really ran on this host, and is gone shortly after the cancel.
    expect(seenRunning.length).toBeGreaterThan(0);
    await waitFor(async () => (await processesWith(`sleep ${sleeper}`)).length === 0, 5_000);
    expect(await processesWith(`sleep ${sleeper}`)).toEqual([]);
  });

  it('leaves no step running after the caller cancels', async () => {
    const sleeper = `601.${Number.parseInt(run, 16) % 100000}`;
    const dir = await folders.create('cancelled', { Dockerfile: `FROM ${env.rootImage}\nRUN sleep ${sleeper}\n` });
    const controller = new AbortController();
    const watch = setInterval(() => {
      void processesWith(`sleep ${sleeper}`).then((found) => {
        if (found.length > 0) controller.abort(new Error('cancelled by the test'));
      });
    }, 250);

    await expect(buildImage(env.docker, request(dir, { expectedImages: [env.rootImage], noCache: true, signal: controller.signal, limits: limits() }))).rejects.toThrow('cancelled by the test');
    clearInterval(watch);

    await waitFor(async () => (await processesWith(`sleep ${sleeper}`)).length === 0, 5_000);
    expect(await processesWith(`sleep ${sleeper}`)).toEqual([]);
  });

  it('cancels a build that prints more than its output limit', async () => {
    const dir = await folders.create('noisy', { Dockerfile: `FROM ${env.rootImage}\nRUN head -c 4000000 /dev/zero | tr '\\0' 'x' | fold -w 100; sleep 30\n` });

    const result = await buildImage(env.docker, request(dir, { expectedImages: [env.rootImage], noCache: true, limits: limits({ maxOutputBytes: 256 * 1024 }) }));

    expect(result).toMatchObject({ status: 'failed', limit: 'output', message: expect.stringContaining("The build printed more than 0.3 MiB, the operator's limit (`build.maxOutputMiB`)") });
  });

  it('refuses a build context over its size limit before sending anything', async () => {
    const dir = await folders.create('large', { Dockerfile: `FROM ${env.rootImage}\nCOPY blob /blob\n`, blob: 'x'.repeat(2 * 1024 * 1024) });

    const result = await buildImage(env.docker, request(dir, { expectedImages: [env.rootImage], limits: limits({ maxContextBytes: 1024 * 1024 }) }));

    expect(result).toEqual({
      status: 'refused',
      file: 'images/large',
      message: "The image folder is 2.1 MiB as sent to the engine, over the operator's limit of 1 MiB (`build.maxContextMiB`). Leave large files out with .dockerignore, or fetch them during the build.",
    });
  });
});

/** The probe's build, as buildImage runs it, through a throw-away request. */
function probeWith(docker: Dockerode) {
  return async (contextDir: string, image: string) => {
    const result = await buildImage(docker, request(contextDir, { expectedImages: [image], noCache: true }));
    images.track(result);
    return result.status === 'refused' ? { logTail: [], failure: result.message } : { logTail: result.logTail, ...(result.status === 'built' ? {} : { failure: result.status }) };
  };
}

async function waitFor(condition: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !(await condition())) await new Promise((resolve) => setTimeout(resolve, 200));
}
