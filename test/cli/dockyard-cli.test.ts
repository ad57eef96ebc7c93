import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureOutput } from './capture-output.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];

beforeAll(() => {
  process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
});

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A copy of this repository's catalog, config and hadolint settings in a fresh folder. */
async function copyOfCatalog(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dockyard-cli-'));
  dirs.push(dir);
  for (const entry of ['images', '.github', '.hadolint.yaml']) {
    await cp(path.join(repoRoot, entry), path.join(dir, entry), { recursive: true });
  }
  return dir;
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = captureOutput();
  const code = await main(args, output.out as never, output.err as never);
  return { code, stdout: output.stdout(), stderr: output.stderr() };
}

async function git(dir: string, ...args: string[]): Promise<void> {
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
}

describe('dockyard check', () => {
  it('passes on the bundled catalog', async () => {
    const result = await run('-C', await copyOfCatalog(), 'check');
    expect(result).toEqual({
      code: 0,
      stdout: 'Dockyard: checked 3 images (base, boto3, python): all checks passed.\n',
      stderr: '',
    });
  });

  it('fails on a bad parent with the file, the line and the allowed parents', async () => {
    const dir = await copyOfCatalog();
    const file = path.join(dir, 'images/python/Dockerfile');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^FROM .*$/m, 'FROM ubuntu:22.04'));
    const result = await run('-C', dir, 'check');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'images/python/Dockerfile:6: fails DY001 (Dockyard error): `docker.io/library/ubuntu:22.04` is not an approved parent. Allowed: a catalog image as `FROM ${REGISTRY}/jenkins-agents/<name>` (123456789012.dkr.ecr.eu-west-1.amazonaws.com/jenkins-agents/<name>; images: `base`, `boto3`, `python`), or an approved upstream: `docker.io/jenkins/inbound-agent` (digest pin required).\n',
    );
    expect(result.stdout).toMatch(/1 finding must be fixed\.\n$/);
  });

  it('prints JSON with every finding and whether it fails', async () => {
    const dir = await copyOfCatalog();
    await writeFile(path.join(dir, 'images/boto3/Dockerfile'), 'FROM debian:bookworm\nMAINTAINER me\nRUN echo a\nRUN echo b\n');
    const result = await run('-C', dir, 'check', '--format', 'json');
    const report = JSON.parse(result.stdout) as { conclusion: string; findings: { rule: string; line: number; failing: boolean }[] };
    expect(result.code).toBe(1);
    expect(report.conclusion).toBe('failure');
    expect(report.findings.map(({ rule, line, failing }) => [rule, line, failing])).toEqual([
      ['DY001', 1, true],
      ['DL4000', 2, true],
      ['DL3059', 4, false],
    ]);
  });

  it('with --base judges only what changed, with the config at the base', async () => {
    const dir = await copyOfCatalog();
    await git(dir, 'init', '-q', '-b', 'main');
    await git(dir, 'add', '.');
    await git(dir, 'commit', '-qm', 'catalog');
    const file = path.join(dir, 'images/python/Dockerfile');
    await writeFile(file, `${await readFile(file, 'utf8')}LABEL team=data\n`);
    expect(await run('-C', dir, 'plan', '--base', 'main')).toEqual({ code: 0, stdout: '1. python\n2. boto3\n', stderr: '' });

    await writeFile(file, (await readFile(file, 'utf8')).replace(/^FROM .*$/m, 'FROM ubuntu:22.04'));
    const result = await run('-C', dir, 'check', '--base', 'main');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('images/python/Dockerfile:6: fails DY001 (Dockyard error)');
    expect(result.stdout).toContain('Dockyard: checked 2 images (boto3, python): 1 finding must be fixed.');

    // Loosening the policy in the working tree must not change the verdict: the config comes from the base.
    const configFile = path.join(dir, '.github/dockyard.yml');
    await writeFile(configFile, (await readFile(configFile, 'utf8')).replace('docker.io/jenkins/inbound-agent', '**'));
    const loosened = await run('-C', dir, 'check', '--base', 'main');
    expect(loosened.code).toBe(1);
    expect(loosened.stdout).toContain('images/python/Dockerfile:6: fails DY001 (Dockyard error)');
  });

  it('refuses a # syntax frontend the config does not approve (DY007), and passes one it approves, pinned', async () => {
    const dir = await copyOfCatalog();
    const file = path.join(dir, 'images/python/Dockerfile');
    const dockerfile = await readFile(file, 'utf8');
    await writeFile(file, `# syntax=docker/dockerfile:1\n${dockerfile}`);
    const refused = await run('-C', dir, 'check');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      "images/python/Dockerfile:1: fails DY007 (Dockyard error): `# syntax=docker/dockerfile:1` hands the build, with its registry credentials, to `docker.io/docker/dockerfile:1`, which is not an approved frontend. No frontends are approved (`parents.frontends` in .github/dockyard.yml): remove the `# syntax` line to build with the engine's built-in frontend.\n",
    );

    const digest = `sha256:${'c5'.repeat(32)}`;
    const configFile = path.join(dir, '.github/dockyard.yml');
    await writeFile(
      configFile,
      (await readFile(configFile, 'utf8')).replace(
        'parents:\n',
        `parents:\n  frontends:\n    - pattern: docker.io/docker/dockerfile@${digest}\n      readsAs: buildkit-0.34\n`,
      ),
    );
    await writeFile(file, `# syntax=docker/dockerfile:1@${digest}\n${dockerfile}`);
    expect((await run('-C', dir, 'check')).code).toBe(0);
  });

  it('reads with the frontend --frontend names, and refuses one it does not know', async () => {
    const dir = await copyOfCatalog();
    expect((await run('-C', dir, 'check', '--frontend', 'buildkit-0.8')).code).toBe(0);
    expect(await run('-C', dir, 'plan', '--frontend', 'buildkit-0.8')).toEqual({ code: 0, stdout: '1. base\n2. python\n3. boto3\n', stderr: '' });
    const unknown = await run('-C', dir, 'check', '--frontend', 'buildkit-9');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: option '--frontend <name>' argument 'buildkit-9' is invalid. Allowed choices are buildkit-0.8, buildkit-0.34.");
  });

  it('exits 2 with the file, field and line of an invalid config', async () => {
    const dir = await copyOfCatalog();
    await writeFile(path.join(dir, '.github/dockyard.yml'), 'registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com\nparent:\n  approved: []\n');
    const result = await run('-C', dir, 'check');
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'dockyard: Invalid config in .github/dockyard.yml: (file) (line 2): unknown field "parent"; did you mean "parents"?\n',
    });
  });

  it('exits 2 on a usage error and when hadolint cannot run', async () => {
    expect((await run('check', '--format', 'xml')).code).toBe(2);
    const saved = process.env['DOCKYARD_HADOLINT'];
    process.env['DOCKYARD_HADOLINT'] = '/nonexistent/hadolint';
    try {
      const result = await run('-C', await copyOfCatalog(), 'check');
      expect(result.code).toBe(2);
      expect(result.stdout).toContain('warning: lint did not run: ');
    } finally {
      process.env['DOCKYARD_HADOLINT'] = saved;
    }
  });
});

describe('dockyard plan', () => {
  it('prints every image in build order through the package bin', async () => {
    const dir = await copyOfCatalog();
    const result = await execa(process.execPath, [path.join(repoRoot, 'bin/dockyard.js'), 'plan'], { cwd: dir, reject: false });
    expect([result.exitCode, result.stdout]).toEqual([0, '1. base\n2. python\n3. boto3']);
  });
});
