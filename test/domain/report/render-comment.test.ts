import { describe, expect, it } from 'vitest';
import { commentMarker, headline, maxCommentLength, renderComment } from '../../../src/domain/report/render-comment.ts';
import { file, folder, fromUpstream } from '../catalog/catalog-fixtures.ts';
import { gfmToHtml, mentionableText } from './gfm-html.ts';
import { agentParent, hadolint, seedFolders } from '../check/check-fixtures.ts';
import { lintOk, modified, outcomeOf, sha } from './report-fixtures.ts';

const pinWarning = hadolint('images/python/Dockerfile', 3, 'warning', 'DL3008', 'Pin versions in apt get install.');
const recommendsNote = hadolint('images/python/Dockerfile', 3, 'notice', 'DL3015', 'Avoid additional packages by specifying `--no-install-recommends`');

/** GitHub refuses issue comment bodies longer than this. */
const githubCommentLimit = 65_536;

function tableRows(comment: string): string[] {
  return comment.split('\n').filter((line) => /^\| (?!Image |---)/.test(line));
}

// The whole layout of each kind of report is pinned by the golden files (golden-reports.test.ts); these
// tests pin the parts that vary with the catalog.
describe('renderComment', () => {
  it('starts with the marker that identifies the one Dockyard comment', () => {
    expect(renderComment(outcomeOf(modified('python')), { sha }).startsWith(`${commentMarker}\n`)).toBe(true);
    expect(commentMarker).toBe('<!-- dockyard:report -->');
  });

  it('links the check run when it has one', () => {
    const comment = renderComment(outcomeOf(modified('boto3')), { sha, checkRunUrl: 'https://github.com/acme/agents/runs/42' });

    expect(comment.endsWith('\nAll findings, with line annotations: [Dockyard check run](https://github.com/acme/agents/runs/42).')).toBe(true);
  });

  it('says all checks passed, for one image, and collapses the passing table', () => {
    const comment = renderComment(outcomeOf(modified('boto3')), { sha });

    expect(comment.split('\n').slice(0, 7)).toEqual([
      commentMarker,
      '## ✅ Dockyard: all checks passed',
      '',
      'Checked 1 image at `0123456` against the policy on the default branch.',
      '',
      '<details><summary>1 image passes</summary>',
      '',
    ]);
    expect(tableRows(comment)).toEqual(['| boto3 (changed) | `python` ✅ | — |']);
  });

  it('warns when lint did not run', () => {
    const comment = renderComment(outcomeOf(modified('boto3'), { status: 'unavailable', reason: 'hadolint was not found on PATH.' }), { sha });

    expect(comment.split('\n').slice(0, 11)).toEqual([
      commentMarker,
      '## ⚠️ Dockyard: policy passed, lint did not run',
      '',
      'Checked 1 image at `0123456` against the policy on the default branch.',
      '',
      '> [!WARNING]',
      '> Lint did not run:',
      '> ```text',
      '> hadolint was not found on PATH.',
      '> ```',
      '',
    ]);
  });

  it('counts findings with the icons the list uses: ❌ fails, ⚠️ and ℹ️ inform', () => {
    const comment = renderComment(outcomeOf(modified('python'), lintOk(pinWarning, recommendsNote)), { sha });

    expect(tableRows(comment)).toEqual(['| python (changed) | `base` ✅ | ❌ 1 · ℹ️ 1 |', '| boto3 | `python` ✅ | — |']);
    expect(comment).toContain('  - ❌ `images/python/Dockerfile:3` **[DL3008](https://github.com/hadolint/hadolint/wiki/DL3008)** (hadolint warning) Pin versions in apt get install.');
    expect(comment).toContain('- ℹ️ `images/python/Dockerfile:3` **[DL3015](https://github.com/hadolint/hadolint/wiki/DL3015)** (hadolint notice) Avoid additional packages');
  });

  it('shows an upstream parent shortened to 80 characters, and a refused parent with why', () => {
    const folders = seedFolders().map((image) => (image.name === 'node' ? folder('node', fromUpstream('node:20-bookworm')) : image));
    const comment = renderComment(outcomeOf(modified('base', 'node'), lintOk(), folders), { sha });

    expect(tableRows(comment)).toEqual([
      '| node (changed) | `node:20-bookworm` ❌ not approved | ❌ 1 |',
      `| base (changed) | \`${agentParent.slice(0, 79)}…\` ✅ | — |`,
      '| python | `base` ✅ | — |',
      '| boto3 | `python` ✅ | — |',
    ]);
  });

  it('shows a removed image and its orphaned child', () => {
    const folders = seedFolders().filter((image) => image.name !== 'python');
    const comment = renderComment(outcomeOf([{ path: 'images/python/Dockerfile', status: 'removed' }], lintOk(), folders), { sha });

    expect(tableRows(comment)).toEqual(['| boto3 (changed) | `python` ❌ not in catalog | ❌ 1 |', '| python (removed) | — | — |']);
    expect(comment).toContain(
      '**[DY003](https://dockyard.example.com/docs/rules/DY003.md)** (Dockyard error) `python` is not in the catalog: this change removes `images/python`, but `boto3` still builds on it.',
    );
  });

  it('links each finding to its line at the checked commit when it knows the repository', () => {
    const comment = renderComment(outcomeOf(modified('python'), lintOk(pinWarning)), { sha, repoUrl: 'https://github.com/acme/agents' });

    expect(comment).toContain(`  - ❌ [\`images/python/Dockerfile:3\`](https://github.com/acme/agents/blob/${sha}/images/python/Dockerfile#L3) **[DL3008]`);
  });

  it('says how many notes a passing check has', () => {
    const outcome = outcomeOf(modified('python'), lintOk(recommendsNote));

    expect(headline(outcome)).toBe('passed with 1 note');
    expect(renderComment(outcome, { sha })).toContain('<details><summary><b>python</b>: 1 note</summary>');
  });

  it('lists at most twelve images of one build step', () => {
    const children = Array.from({ length: 15 }, (_, index) => folder(`c${String(index).padStart(2, '0')}`, `ARG REGISTRY\nFROM \${REGISTRY}/jenkins-agents/base\n`));
    const names = children.map((child) => child.name);
    const comment = renderComment(outcomeOf(modified(...names), lintOk(), [...seedFolders(), ...children]), { sha });

    expect(comment).toContain(`**Build order** (15 images; images in one step build in parallel): ${names.slice(0, 12).join(', ')} (+3)`);
  });

  it('leaves out the table of passing images when even its rows do not fit, and says so', () => {
    const names = Array.from({ length: 1200 }, (_, index) => `image-with-a-rather-long-name-${String(index).padStart(4, '0')}`);
    const folders = [...seedFolders(), ...names.map((name) => folder(name, `ARG REGISTRY\nFROM \${REGISTRY}/jenkins-agents/base\n`))];
    const comment = renderComment(outcomeOf(modified(...names), lintOk(), folders), { sha });

    expect(comment.length).toBeLessThanOrEqual(maxCommentLength);
    expect(comment.length).toBeLessThan(githubCommentLimit);
    expect(comment).toContain("> To stay within GitHub's size limit this report leaves out the rows of 1200 passing images.");
  });

  it('names the owners of the affected images from image.yml, as text that mentions nobody', () => {
    const folders = seedFolders().map((image) => (image.name === 'python' ? { ...image, metadata: file('owners: ["@acme/data", "alice"]\n') } : image));
    const comment = renderComment(outcomeOf(modified('python'), lintOk(), folders), { sha });

    expect(comment).toContain('Owners of the affected images (from `image.yml`): @\u200Bacme/data, alice.');
    expect(mentionableText(gfmToHtml(comment))).not.toMatch(/@acme/);
  });
});
