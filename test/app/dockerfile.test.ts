import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { captureOutput } from '../cli/capture-output.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A catalog holding the app's own Dockerfile as image `dockyard`, under a policy that approves only Node's official image, pinned. */
async function catalogOfTheApp(dockerfile: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dockyard-app-dockerfile-'));
  dirs.push(dir);
  await mkdir(path.join(dir, 'images/dockyard'), { recursive: true });
  await mkdir(path.join(dir, '.github'));
  await writeFile(path.join(dir, 'images/dockyard/Dockerfile'), dockerfile);
  await cp(path.join(root, '.hadolint.yaml'), path.join(dir, '.hadolint.yaml'));
  await writeFile(
    path.join(dir, '.github/dockyard.yml'),
    [
      'catalog: images',
      'registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      'parents:',
      '  requireDigest: true',
      '  approved:',
      '    - pattern: docker.io/library/node',
      '      requireDigest: true',
      'lint:',
      '  failureThreshold: style',
      '',
    ].join('\n'),
  );
  return dir;
}

async function check(dir: string): Promise<{ code: number; stdout: string }> {
  const output = captureOutput();
  const code = await main(['-C', dir, 'check', '--frontend', 'buildkit-0.8'], output.out as never, output.err as never);
  return { code, stdout: output.stdout() };
}

describe("the app's Dockerfile", () => {
  it('is clean for hadolint under the repository settings, at every severity', async () => {
    const result = await execa(hadolintBinary(), ['--config', '.hadolint.yaml', '--format', 'json', '--failure-threshold', 'style', 'Dockerfile'], { cwd: root, reject: false });
    expect(JSON.parse(result.stdout)).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  it("passes Dockyard's own check: Node's official image as the parent, pinned by digest", async () => {
    process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
    const dockerfile = await readFile(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=docker\.io\/library\/node:24-bookworm-slim@sha256:[0-9a-f]{64}$/m);
    expect(await check(await catalogOfTheApp(dockerfile))).toEqual({
      code: 0,
      stdout: 'Dockyard: checked 1 image (dockyard): all checks passed.\n',
    });

    const unpinned = dockerfile.replace(/@sha256:[0-9a-f]{64}/, '');
    const refused = await check(await catalogOfTheApp(unpinned));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^images\/dockyard\/Dockerfile:7: .*DY002.*must be pinned by digest/m);
  });

  it('is built in stages and runs as a numeric non-root user with a health check', async () => {
    const dockerfile = await readFile(path.join(root, 'Dockerfile'), 'utf8');
    const instructions = dockerfile.split('\n').filter((line) => /^[A-Z]+ /.test(line));
    expect(instructions.filter((line) => line.startsWith('FROM ')).map((line) => line.split(' AS ')[1])).toEqual(['base', 'tools', 'deps', 'build', 'runtime-deps', 'app']);
    expect(instructions.filter((line) => line.startsWith('USER '))).toEqual(['USER 10001:10001']);
    expect(instructions.at(-1)).toBe('CMD ["./lib/start.js"]');
    expect(dockerfile).toContain('HEALTHCHECK ');
  });
});
