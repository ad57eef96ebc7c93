import { describe, expect, it } from 'vitest';
import { renderJson, renderText } from '../../../src/domain/report/render-text.ts';
import { folder, fromUpstream } from '../catalog/catalog-fixtures.ts';
import { hadolint, seedConfig, seedFolders } from '../check/check-fixtures.ts';
import { lintOk, modified, outcomeOf } from './report-fixtures.ts';

const pinWarning = hadolint('images/python/Dockerfile', 3, 'warning', 'DL3008', 'Pin versions in apt get install.');
const lintError = hadolint('images/python/Dockerfile', 5, 'error', 'DL3000', 'Use absolute WORKDIR');

describe('renderText', () => {
  it('prints one line per finding, its level saying whether it fails, then the verdict', () => {
    const outcome = outcomeOf(modified('python'), lintOk(pinWarning, lintError), seedFolders(), {
      ...seedConfig,
      lint: { ...seedConfig.lint, failureThreshold: 'none' },
    });

    expect(renderText(outcome)).toBe(
      [
        'images/python/Dockerfile:3: note DL3008 (hadolint warning): Pin versions in apt get install.',
        // An error that does not fail the check (threshold none) is a note, still rated an error by hadolint.
        'images/python/Dockerfile:5: note DL3000 (hadolint error): Use absolute WORKDIR',
        'Dockyard: checked 2 images (boto3, python): passed with 2 notes.',
      ].join('\n'),
    );
  });

  it('prints failing findings as failing, with the level their source gives them', () => {
    const folders = seedFolders().map((image) => (image.name === 'boto3' ? folder('boto3', fromUpstream('node:20')) : image));
    const text = renderText(outcomeOf(modified('boto3'), lintOk(), folders));

    expect(text.split('\n')).toEqual([
      expect.stringMatching(/^images\/boto3\/Dockerfile:1: fails DY001 \(Dockyard error\): `docker\.io\/library\/node:20` is not an approved parent\. Allowed: /),
      'Dockyard: checked 1 image (boto3): 1 finding must be fixed.',
    ]);
  });

  it('says when lint did not run', () => {
    expect(renderText(outcomeOf(modified('boto3'), { status: 'unavailable', reason: 'hadolint exited with code 2' })).split('\n')).toEqual([
      'warning: lint did not run: hadolint exited with code 2',
      'Dockyard: checked 1 image (boto3): policy passed, lint did not run.',
    ]);
  });

  it('names the images only when there are at most twenty', () => {
    const children = Array.from({ length: 20 }, (_, index) => folder(`c${String(index).padStart(2, '0')}`, `ARG REGISTRY\nFROM \${REGISTRY}/jenkins-agents/base\n`));
    const folders = [...seedFolders(), ...children];

    expect(renderText(outcomeOf(modified(...children.map((child) => child.name)), lintOk(), folders))).toBe(
      `Dockyard: checked 20 images (${children.map((child) => child.name).join(', ')}): all checks passed.`,
    );
    expect(renderText(outcomeOf(modified('base'), lintOk(), folders))).toBe('Dockyard: checked 24 images: all checks passed.');
    expect(renderText(outcomeOf([{ path: 'README.md', status: 'modified' }]))).toBe('Dockyard: checked 0 images: all checks passed.');
  });
});

describe('renderText in colour', () => {
  it('colours only the outcome word and the verdict, so lines stay greppable', () => {
    const outcome = outcomeOf(modified('python'), lintOk(pinWarning));

    expect(renderText(outcome, { color: true }).split('\n')).toEqual([
      'images/python/Dockerfile:3: \u001b[31mfails\u001b[0m DL3008 (hadolint warning): Pin versions in apt get install.',
      'Dockyard: checked 2 images (boto3, python): \u001b[31m1 finding must be fixed\u001b[0m.',
    ]);
  });
});

describe('renderJson', () => {
  it('gives the conclusion, rows, plan, lint and every finding with whether it fails', () => {
    const outcome = outcomeOf(modified('python'), lintOk(pinWarning));

    expect(JSON.parse(renderJson(outcome))).toEqual({
      conclusion: 'failure',
      images: [
        { name: 'boto3', changed: false, removed: false, parent: 'python', parentKind: 'catalog', verdict: 'catalog', lint: { error: 0, warning: 0, notice: 0 }, failing: 0 },
        { name: 'python', changed: true, removed: false, parent: 'base', parentKind: 'catalog', verdict: 'catalog', lint: { error: 0, warning: 1, notice: 0 }, failing: 1 },
      ],
      plan: [['python'], ['boto3']],
      lint: { status: 'ok', version: '2.12.0' },
      findings: [{ ...pinWarning, image: 'python', failing: true }],
    });
  });

  it('passes an unavailable lint through with its reason', () => {
    expect(JSON.parse(renderJson(outcomeOf(modified('boto3'), { status: 'unavailable', reason: 'timeout' }))).lint).toEqual({
      status: 'unavailable',
      reason: 'timeout',
    });
  });
});
