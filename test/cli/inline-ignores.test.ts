import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { captureOutput } from './capture-output.ts';

const dirs: string[] = [];

beforeAll(() => {
  process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
});

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const config = [
  'registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  'parents:',
  '  requireDigest: false',
  '  approved:',
  '    - pattern: docker.io/library/debian',
];

/** A one-image catalog whose only lint problem is an unpinned apt-get install under `pragma`. */
async function catalogWith(pragma: string, files: Record<string, string> = {}, lint: string[] = []): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dockyard-cli-pragma-'));
  dirs.push(dir);
  const all: Record<string, string> = {
    '.github/dockyard.yml': `${[...config, ...lint].join('\n')}\n`,
    'images/app/Dockerfile':
      `FROM debian:12.8\n${pragma}\n` +
      'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n' +
      'USER 1000\n',
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

async function check(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = captureOutput();
  const code = await main(['-C', dir, 'check'], output.out as never, output.err as never);
  return { code, stdout: output.stdout(), stderr: output.stderr() };
}

const dl3008 =
  'images/app/Dockerfile:3: fails DL3008 (hadolint warning): Pin versions in apt get install. Instead of `apt-get install <package>` ' +
  'use `apt-get install <package>=<version>` (https://github.com/hadolint/hadolint/wiki/DL3008)';

function notHonoured(pragma: string): string {
  return (
    `images/app/Dockerfile:2: note DY009 (Dockyard warning): \`${pragma}\` is not honoured: inline lint ignores are off for this ` +
    'repository (lint.allowInlineIgnores in .github/dockyard.yml on the default branch). Fix the finding, or ask a ' +
    'maintainer to waive the rule in .hadolint.yaml.'
  );
}

describe('dockyard check and inline hadolint ignores', () => {
  it('fails on the finding `# hadolint ignore=` tried to hide, and shows the pragma', async () => {
    const result = await check(await catalogWith('# hadolint ignore=DL3008'));

    expect(result).toEqual({
      code: 1,
      stdout: `${notHonoured('# hadolint ignore=DL3008')}\n${dl3008}\nDockyard: checked 1 image (app): 1 finding must be fixed.\n`,
      stderr: '',
    });
  });

  it('fails the same way on `# hadolint global ignore=`', async () => {
    const result = await check(await catalogWith('# hadolint global ignore=DL3008'));

    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `${notHonoured('# hadolint global ignore=DL3008')}\n${dl3008}\nDockyard: checked 1 image (app): 1 finding must be fixed.\n`,
    );
  });

  it('fails even when .hadolint.yaml tries to turn pragmas back on', async () => {
    const dir = await catalogWith('# hadolint ignore=DL3008', { '.hadolint.yaml': 'disable-ignore-pragma: false\n' });

    const result = await check(dir);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `${notHonoured('# hadolint ignore=DL3008')}\n${dl3008}\nDockyard: checked 1 image (app): 1 finding must be fixed.\n`,
    );
  });

  it('passes with lint.allowInlineIgnores: true, listing the pragma as a notice', async () => {
    const dir = await catalogWith('# hadolint ignore=DL3008', {}, ['lint:', '  allowInlineIgnores: true']);

    const result = await check(dir);

    expect(result).toEqual({
      code: 0,
      stdout:
        'images/app/Dockerfile:2: note DY009 (Dockyard notice): `# hadolint ignore=DL3008` waives DL3008 for the instruction on the next ' +
        'line: inline lint ignores are allowed for this repository (lint.allowInlineIgnores in .github/dockyard.yml on ' +
        'the default branch).\nDockyard: checked 1 image (app): passed with 1 note.\n',
      stderr: '',
    });
  });
});
