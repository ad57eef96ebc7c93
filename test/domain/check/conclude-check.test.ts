import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { analyzeCatalog } from '../../../src/domain/check/analyze-catalog.ts';
import { concludeCheck, type LintOutcome } from '../../../src/domain/check/conclude-check.ts';
import type { Finding } from '../../../src/domain/findings.ts';
import { folder, fromUpstream } from '../catalog/catalog-fixtures.ts';
import { hadolint, seedConfig, seedFolders } from './check-fixtures.ts';

type Threshold = Config['lint']['failureThreshold'];

const pythonChange = [{ path: 'images/python/Dockerfile', status: 'modified' as const }];
const warning = hadolint('images/python/Dockerfile', 3, 'warning', 'DL3008', 'Pin versions in apt get install.');
const lintError = hadolint('images/python/Dockerfile', 3, 'error', 'DL3000', 'Use absolute WORKDIR');
const style = hadolint('images/python/Dockerfile', 3, 'notice', 'DL3015', 'Avoid additional packages by specifying `--no-install-recommends`');

function ok(...findings: Finding[]): LintOutcome {
  return { status: 'ok', findings, version: '2.12.0' };
}

function conclude(lint: LintOutcome, failureThreshold: Threshold = 'warning', folders = seedFolders()) {
  const analysis = analyzeCatalog(folders, pythonChange, { ...seedConfig, lint: { ...seedConfig.lint, failureThreshold } });
  return concludeCheck(analysis, lint, { lint: { failureThreshold } });
}

describe('concludeCheck', () => {
  it('succeeds with no findings, one row per affected image', () => {
    const outcome = conclude(ok());

    expect(outcome.conclusion).toBe('success');
    expect(outcome.findings).toEqual([]);
    expect(outcome.rows).toEqual([
      {
        name: 'boto3',
        changed: false,
        removed: false,
        parent: 'python',
        parentKind: 'catalog',
        verdict: 'catalog',
        lint: { error: 0, warning: 0, notice: 0 },
        failing: 0,
      },
      {
        name: 'python',
        changed: true,
        removed: false,
        parent: 'base',
        parentKind: 'catalog',
        verdict: 'catalog',
        lint: { error: 0, warning: 0, notice: 0 },
        failing: 0,
      },
    ]);
  });

  describe('lint failure threshold', () => {
    it.each<[Threshold, Finding, boolean]>([
      ['warning', warning, true],
      ['error', warning, false],
      ['none', warning, false],
      ['error', lintError, true],
      ['none', lintError, false],
      ['warning', style, false],
      ['info', style, true],
      ['style', style, true],
      ['info', warning, true],
    ])('at %s, a hadolint %o fails: %s', (threshold, finding, fails) => {
      const outcome = conclude(ok(finding), threshold);

      expect(outcome.findings).toEqual([{ ...finding, image: 'python' }]);
      expect([...outcome.failing]).toEqual(fails ? outcome.findings : []);
      expect(outcome.conclusion).toBe(fails ? 'failure' : 'success');
    });

    it('attaches hadolint findings to the image whose Dockerfile they are about', () => {
      const other = hadolint('Dockerfile', 1, 'warning', 'DL3007', 'Using latest is prone to errors');
      const outcome = conclude(ok(warning, other));

      expect(outcome.findings).toEqual([other, { ...warning, image: 'python' }]);
    });

    it('counts hadolint findings per severity in the row of their Dockerfile', () => {
      const outcome = conclude(ok(warning, lintError, style, { ...warning, line: 5 }), 'error');

      expect(outcome.rows.find((row) => row.name === 'python')).toMatchObject({ lint: { error: 1, warning: 2, notice: 1 }, failing: 1 });
      expect(outcome.rows.find((row) => row.name === 'boto3')).toMatchObject({ lint: { error: 0, warning: 0, notice: 0 }, failing: 0 });
    });
  });

  it('fails on a Dockyard error whatever the lint threshold', () => {
    const folders = seedFolders().map((image) => (image.name === 'python' ? folder('python', fromUpstream('node:20')) : image));
    const outcome = conclude(ok(), 'none', folders);

    expect(outcome.conclusion).toBe('failure');
    expect([...outcome.failing].map((finding) => [finding.file, finding.line, finding.rule])).toEqual([['images/python/Dockerfile', 1, 'DY001']]);
    expect(outcome.rows.find((row) => row.name === 'python')).toMatchObject({
      parent: 'node:20',
      parentKind: 'upstream',
      verdict: 'not-approved',
      failing: 1,
    });
  });

  it('is neutral when lint is unavailable and nothing fails', () => {
    expect(conclude({ status: 'unavailable', reason: 'hadolint was not found on PATH' }).conclusion).toBe('neutral');
  });

  it('still fails when lint is unavailable but policy fails', () => {
    const folders = seedFolders().map((image) => (image.name === 'python' ? folder('python', fromUpstream('node:20')) : image));

    expect(conclude({ status: 'unavailable', reason: 'timeout' }, 'warning', folders).conclusion).toBe('failure');
  });

  it('succeeds when lint was skipped and nothing fails', () => {
    expect(conclude({ status: 'skipped' }).conclusion).toBe('success');
  });

  it('sorts findings by file and line, and leaves out catalog findings of images the change does not touch', () => {
    const folders = [
      ...seedFolders(),
      folder('unrelated', fromUpstream('debian'), 'colour: blue\n'),
    ].map((image) => (image.name === 'boto3' ? { ...image, metadata: { kind: 'file' as const, bytes: new TextEncoder().encode('label: a && b\n') } } : image));
    const outcome = conclude(ok({ ...warning, line: 9 }, warning), 'warning', folders);

    expect(outcome.findings.map((finding) => [finding.file, finding.line, finding.rule])).toEqual([
      ['images/boto3/image.yml', 1, 'DY019'],
      ['images/python/Dockerfile', 3, 'DL3008'],
      ['images/python/Dockerfile', 9, 'DL3008'],
    ]);
    expect(outcome.rows.map((row) => row.name)).toEqual(['boto3', 'python']);
    expect(outcome.rows[0]?.failing).toBe(1);
  });

  it('gives a removed image a row of its own', () => {
    const folders = seedFolders().filter((image) => image.name !== 'boto3');
    const analysis = analyzeCatalog(folders, [{ path: 'images/boto3/Dockerfile', status: 'removed' }], seedConfig);
    const outcome = concludeCheck(analysis, ok(), seedConfig);

    expect(outcome.rows).toEqual([
      {
        name: 'boto3',
        changed: false,
        removed: true,
        parent: '',
        parentKind: 'unknown',
        verdict: 'unreadable',
        lint: { error: 0, warning: 0, notice: 0 },
        failing: 0,
      },
    ]);
    expect(outcome.conclusion).toBe('success');
  });
});
