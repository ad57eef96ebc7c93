import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalCatalog } from '../../src/adapters/local/read-local-catalog.ts';
import { parseConfig } from '../../src/config/parse-config.ts';
import { analyzeCatalog } from '../../src/domain/check/analyze-catalog.ts';
import { buildImages } from '../../src/jobs/build-images.ts';
import { startHarness, type Harness } from './harness.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
let harness: Harness;
let copy: string;

beforeAll(async () => {
  harness = await startHarness();
  copy = await mkdtemp(path.join(tmpdir(), 'dockyard-bundled-'));
  await cp(path.join(repoRoot, 'images'), path.join(copy, 'images'), { recursive: true });
  // No registry here serves the real jenkins/inbound-agent: pin the stand-in the mirror serves instead.
  const base = path.join(copy, 'images/base/Dockerfile');
  const text = await readFile(base, 'utf8');
  const pinned = text.replace(/^FROM docker\.io\/jenkins\/inbound-agent:(\S+)@sha256:[0-9a-f]{64}$/m, `FROM ${harness.upstream}`);
  if (pinned === text) throw new Error('images/base/Dockerfile no longer starts FROM a digest-pinned docker.io/jenkins/inbound-agent');
  await writeFile(base, pinned);
}, 600_000);

afterAll(async () => {
  await harness?.close();
  if (copy) await rm(copy, { recursive: true, force: true });
});

describe('the bundled catalog', () => {
  it('builds base, python and boto3 for real, each FROM the parent just built, through the registry mirror', async () => {
    const h = harness;
    const yaml = (await readFile(path.join(repoRoot, '.github/dockyard.yml'), 'utf8'))
      .replace(/^registry: .*$/m, `registry: ${h.ci.host}`);
    const config = parseConfig(yaml, '.github/dockyard.yml');
    const builds = h.services.builds;
    if (!builds) throw new Error('the harness wires builds');
    const frontend = await builds.ports.engineFrontend();
    expect(frontend).toBe('buildkit-0.8');
    const analysis = analyzeCatalog(await readLocalCatalog(copy, 'images'), 'all', config, { frontend });
    expect(analysis.plan).toEqual([['base'], ['python'], ['boto3']]);

    const results = await buildImages({
      repo: 'example/agents',
      commit: '1'.repeat(40),
      sourceUrl: 'https://github.com/example/agents',
      config,
      analysis,
      workspace: copy,
      folderTrees: new Map(),
      mirrors: builds.mirrors,
      credentials: [{ registry: h.ci.host, username: h.ci.user, password: h.ci.password }],
      compareWithPublished: false,
      ports: builds.ports,
      store: builds.store,
    });

    const summary = [...results.values()].map((result) => [result.name, result.status, result.reason ?? '', result.builder]);
    expect(summary).toEqual([
      ['base', 'built', '', 'buildkit-0.8'],
      ['python', 'built', '', 'buildkit-0.8'],
      ['boto3', 'built', '', 'buildkit-0.8'],
    ]);
    const boto3 = results.get('boto3')?.imageId ?? '';
    const run = await execa('docker', ['run', '--rm', '--entrypoint', 'python3', boto3, '-c', 'import boto3, getpass; print(boto3.__name__, getpass.getuser())'], { reject: false });
    expect([run.exitCode, run.stdout]).toEqual([0, 'boto3 jenkins']);
    const git = await execa('docker', ['run', '--rm', '--entrypoint', 'git', boto3, '--version'], { reject: false });
    expect(git.exitCode).toBe(0);
    for (const result of results.values()) {
      expect(result.scan?.status).toBe('ok');
    }
  }, 900_000);
});
