import { describe, expect, it } from 'vitest';
import {
  annotationsPerRequest,
  maxAnnotations,
  renderCheckOutput,
} from '../../../src/domain/report/render-check-output.ts';
import { commentMarker, renderComment } from '../../../src/domain/report/render-comment.ts';
import { folder, fromUpstream } from '../catalog/catalog-fixtures.ts';
import { hadolint, seedConfig, seedFolders } from '../check/check-fixtures.ts';
import { lintOk, modified, outcomeOf, sha } from './report-fixtures.ts';

const pinWarning = hadolint('images/python/Dockerfile', 3, 'warning', 'DL3008', 'Pin versions in apt get install.');

function lintFindings(count: number) {
  return Array.from({ length: count }, (_, index) =>
    hadolint('images/python/Dockerfile', index + 1, 'warning', 'DL3008', `Pin versions in apt get install (${index + 1}).`),
  );
}

describe('renderCheckOutput', () => {
  it.each([
    ['a failing check', outcomeOf(modified('python'), lintOk(pinWarning)), 'Dockyard: 1 finding must be fixed'],
    ['a clean check', outcomeOf(modified('python')), 'Dockyard: all checks passed'],
    ['a check with notes', outcomeOf(modified('python'), lintOk({ ...pinWarning, severity: 'notice' }, { ...pinWarning, line: 4, severity: 'notice' })), 'Dockyard: passed with 2 notes'],
    ['a check without lint', outcomeOf(modified('python'), { status: 'unavailable', reason: 'timeout' }), 'Dockyard: policy passed, lint did not run'],
    ['a check with several failures', outcomeOf(modified('python'), lintOk(...lintFindings(3))), 'Dockyard: 3 findings must be fixed'],
  ])('titles %s', (_what, outcome, title) => {
    expect(renderCheckOutput(outcome, { sha }).title).toBe(title);
  });

  it('uses the comment without its marker as the summary', () => {
    const outcome = outcomeOf(modified('python'), lintOk(pinWarning));
    const summary = renderCheckOutput(outcome, { sha }).summary;

    expect(summary).toBe(renderComment(outcome, { sha }).slice(commentMarker.length + 1));
    expect(summary.startsWith('## ❌ Dockyard: 1 finding must be fixed\n')).toBe(true);
  });

  it('annotates each finding at its file and lines: level from whether it fails, title with its source\'s level, message linking the rule', () => {
    const folders = seedFolders().map((image) => (image.name === 'python' ? folder('python', fromUpstream('node:20', 'USER root')) : image));
    const notice = { ...pinWarning, line: 2, severity: 'notice' as const, rule: 'DL3015', message: 'Avoid additional packages' };
    const spanning = { ...pinWarning, line: 1, endLine: 2, rule: 'DL3006', message: 'Always tag the version of an image explicitly' };
    // At the `error` threshold hadolint warnings inform without failing; the DY001 fails.
    const outcome = outcomeOf(modified('python'), lintOk(pinWarning, notice, spanning), folders, {
      ...seedConfig,
      lint: { ...seedConfig.lint, failureThreshold: 'error' },
    });

    expect(renderCheckOutput(outcome, { sha }).annotationBatches).toEqual([
      [
        {
          path: 'images/python/Dockerfile',
          start_line: 1,
          end_line: 1,
          annotation_level: 'failure',
          title: 'DY001 (Dockyard error, fails the check) in python',
          message: expect.stringMatching(/^`docker\.io\/library\/node:20` is not an approved parent\. Allowed: /),
        },
        {
          path: 'images/python/Dockerfile',
          start_line: 1,
          end_line: 2,
          annotation_level: 'warning',
          title: 'DL3006 (hadolint warning) in python',
          message: 'Always tag the version of an image explicitly\n\nhttps://github.com/hadolint/hadolint/wiki/DL3006',
        },
        {
          path: 'images/python/Dockerfile',
          start_line: 2,
          end_line: 2,
          annotation_level: 'notice',
          title: 'DL3015 (hadolint notice) in python',
          message: 'Avoid additional packages\n\nhttps://github.com/hadolint/hadolint/wiki/DL3015',
        },
        {
          path: 'images/python/Dockerfile',
          start_line: 3,
          end_line: 3,
          annotation_level: 'warning',
          title: 'DL3008 (hadolint warning) in python',
          message: 'Pin versions in apt get install.\n\nhttps://github.com/hadolint/hadolint/wiki/DL3008',
        },
      ],
    ]);
  });

  it('has no annotation batches when there are no findings', () => {
    expect(renderCheckOutput(outcomeOf(modified('python')), { sha }).annotationBatches).toEqual([]);
  });

  it.each([1, 49, 50, 51, 137, 1000])('sends %i findings in batches of at most 50 that cover them all in order', (count) => {
    const output = renderCheckOutput(outcomeOf(modified('python'), lintOk(...lintFindings(count))), { sha });

    expect(output.annotationBatches).toHaveLength(Math.ceil(count / annotationsPerRequest));
    expect(output.annotationBatches.every((batch) => batch.length > 0 && batch.length <= 50)).toBe(true);
    expect(output.annotationBatches.flat().map((annotation) => annotation.start_line)).toEqual(
      Array.from({ length: count }, (_, index) => index + 1),
    );
    expect(output.summary).not.toContain('more findings are not annotated');
  });

  it('annotates the first 1000 findings and says how many more there are', () => {
    const output = renderCheckOutput(outcomeOf(modified('python'), lintOk(...lintFindings(1234))), { sha });

    expect(maxAnnotations).toBe(1000);
    expect(output.annotationBatches).toHaveLength(20);
    expect(output.annotationBatches.flat()).toHaveLength(1000);
    expect(output.annotationBatches.at(-1)?.at(-1)?.start_line).toBe(1000);
    expect(
      output.summary.endsWith('\n\n234 more findings are not annotated (the first 1000 are); run `dockyard check` to see them all.'),
    ).toBe(true);
  });
});
