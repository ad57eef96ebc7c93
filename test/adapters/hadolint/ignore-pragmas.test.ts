import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findIgnorePragmas, type IgnorePragma } from '../../../src/adapters/hadolint/ignore-pragmas.ts';
import { hadolintBinary } from './hadolint-binary.ts';

const hadolint = hadolintBinary();

// Each comment sits on line 2, above two RUNs that both break DL3008 (lines 3 and 4), so the real
// binary shows by which DL3008 findings vanish whether the line is a pragma and what it covers.
const comments: [string, Omit<IgnorePragma, 'line'> | null][] = [
  ['# hadolint ignore=DL3008', { scope: 'next', rules: ['DL3008'] }],
  ['#hadolint ignore=DL3008', { scope: 'next', rules: ['DL3008'] }],
  ['   #   hadolint   ignore = DL3008 , DL3015   # reviewed', { scope: 'next', rules: ['DL3008', 'DL3015'] }],
  ['\t#\thadolint\tignore\t=\tDL3015,DL3008', { scope: 'next', rules: ['DL3015', 'DL3008'] }],
  ['# hadolint ignore=SC2086,DL3008', { scope: 'next', rules: ['SC2086', 'DL3008'] }],
  ['# hadolint global ignore=DL3008', { scope: 'global', rules: ['DL3008'] }],
  ['# hadolint global ignore=DL3008 # team waiver', { scope: 'global', rules: ['DL3008'] }],
  ['# hadolint stage ignore=DL3008', { scope: 'stage', rules: ['DL3008'] }],
  ['# hadolint ignore=DL3015 # not DL3008, DL3008', { scope: 'next', rules: ['DL3015'] }],
  ['# HADOLINT ignore=DL3008', null],
  ['# Hadolint global ignore=DL3008', null],
  ['# hadolint Global ignore=DL3008', null],
  ['# hadolint ignore=dl3008', null],
  ['# hadolint ignore=DL3008,', null],
  ['# hadolint ignore=DL3008,,DL3015', null],
  ['# hadolint ignore=DL3008 DL3015', null],
  ['# hadolint globalignore=DL3008', null],
  ['# hadolint ignore DL3008', null],
  ['# hadolint: ignore=DL3008', null],
  ['# hadolint ignore=', null],
  ['# hadolint shell=bash', null],
];

const wholeFiles: [string, string, IgnorePragma[]][] = [
  ['CRLF line endings', 'FROM debian:12.8\r\n# hadolint ignore=DL3008\r\nRUN apt-get install -y curl\r\nRUN apt-get install -y wget\r\n', [{ line: 2, scope: 'next', rules: ['DL3008'] }]],
  ['a comment inside a line continuation', 'FROM debian:12.8\nRUN apt-get install -y \\\n  # hadolint global ignore=DL3008\n  curl\nRUN apt-get install -y wget\n', []],
  ['a heredoc body', 'FROM debian:12.8\nRUN <<EOF\n# hadolint global ignore=DL3008\napt-get install -y curl\nEOF\n', []],
  ['an instruction before a continuation ends', 'FROM debian:12.8\n# hadolint global ignore=DL3008\nRUN apt-get install -y \\\n  curl\n', [{ line: 2, scope: 'global', rules: ['DL3008'] }]],
];

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dockyard-pragmas-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The lines hadolint reports DL3008 at, with pragmas honoured or not. */
async function dl3008Lines(text: string, honour: boolean): Promise<number[]> {
  const file = path.join(dir, 'Dockerfile');
  await writeFile(file, text);
  const args = ['--format', 'json', '--no-fail', ...(honour ? [] : ['--disable-ignore-pragma']), file];
  // From the scratch folder, so no .hadolint.yaml of this repository applies.
  const result = await execa(hadolint, args, { cwd: dir, env: { HOME: '/nonexistent' }, extendEnv: false });
  const issues = JSON.parse(result.stdout) as { code: string; line: number }[];
  return issues.filter((issue) => issue.code === 'DL3008').map((issue) => issue.line);
}

/** What the found pragmas predict hadolint hides, from its own scoping in src/Hadolint/Process.hs. */
function predictHidden(pragmas: IgnorePragma[], lines: number[]): number[] {
  return lines.filter((line) =>
    pragmas.some(
      (pragma) =>
        pragma.rules.includes('DL3008') &&
        (pragma.scope === 'global' ||
          (pragma.scope === 'next' && line === pragma.line + 1) ||
          // A stage pragma covers the lines after the instruction that follows it, in one-stage files.
          (pragma.scope === 'stage' && line > pragma.line + 1)),
    ),
  );
}

describe('findIgnorePragmas reads pragmas as hadolint 2.15.1 does', () => {
  it.each(comments)('%j', async (comment, expected) => {
    const text = `FROM debian:12.8\n${comment}\nRUN apt-get install -y curl\nRUN apt-get install -y wget\n`;

    const pragmas = findIgnorePragmas(text);

    expect(pragmas).toEqual(expected === null ? [] : [{ line: 2, ...expected }]);
    const all = await dl3008Lines(text, false);
    expect(all).toEqual([3, 4]);
    const hidden = predictHidden(pragmas, all);
    expect(await dl3008Lines(text, true)).toEqual(all.filter((line) => !hidden.includes(line)));
  });

  it.each(wholeFiles)('in %s', async (_name, text, expected) => {
    const pragmas = findIgnorePragmas(text);

    expect(pragmas).toEqual(expected);
    const all = await dl3008Lines(text, false);
    expect(all.length).toBeGreaterThan(0);
    const hidden = predictHidden(pragmas, all);
    expect(await dl3008Lines(text, true)).toEqual(all.filter((line) => !hidden.includes(line)));
  });
});
