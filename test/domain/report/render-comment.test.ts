import { describe, expect, it } from 'vitest';
import { commentMarker, headline, maxCommentLength, renderComment } from '../../../src/domain/report/render-comment.ts';
import { folder, fromUpstream } from '../catalog/catalog-fixtures.ts';
import { agentParent, hadolint, seedFolders } from '../check/check-fixtures.ts';
import { lintOk, modified, outcomeOf, sha } from './report-fixtures.ts';

const pinWarning = hadolint('images/python/Dockerfile', 3, 'warning', 'DL3008', 'Pin versions in apt get install.');
const recommendsNote = hadolint('images/python/Dockerfile', 3, 'notice', 'DL3015', 'Avoid additional packages by specifying `--no-install-recommends`');

/** GitHub refuses issue comment bodies longer than this. */
const githubCommentLimit = 65_536;

function tableRows(comment: string): string[] {
  return comment.split('\n').filter((line) => line.startsWith('| **'));
}

describe('renderComment', () => {
  it('renders a known check exactly: headline, table, diagram, findings, build order', () => {
    const outcome = outcomeOf(modified('python'), lintOk(pinWarning, recommendsNote));

    expect(renderComment(outcome, { sha })).toBe(
      [
        '<!-- dockyard:report -->',
        '## ❌ Dockyard: 1 finding must be fixed',
        '',
        'Checked 2 images at `0123456` against the policy on the default branch.',
        '',
        '',
        '| Image | Parent | Parent check | Lint ❌/⚠️/ℹ️ | Result |',
        '|---|---|---|---|---|',
        '| **python** (changed) | `base` (catalog) | ✅ catalog image | 0 / 1 / 1 | ❌ 1 |',
        '| **boto3** | `python` (catalog) | ✅ catalog image | 0 / 0 / 0 | ✅ |',
        '',
        '<details open><summary>Inheritance of the affected images</summary>',
        '',
        '```mermaid',
        'graph TD',
        '  n0["boto3"]:::affected',
        '  n1["python"]:::changed',
        '  n2["base"]:::context',
        '  n1 --> n0',
        '  n2 --> n1',
        '  classDef changed fill:#fff3b0,stroke:#b08800,stroke-width:2px',
        '  classDef affected fill:#ddf4ff,stroke:#0969da',
        '  classDef context fill:#f6f8fa,stroke:#8c959f',
        '  classDef upstream fill:#f6f8fa,stroke:#8c959f,stroke-dasharray: 4 2',
        '```',
        '',
        '</details>',
        '',
        '<details open><summary><b>python</b>: 2 findings</summary>',
        '',
        '- ❌ `images/python/Dockerfile:3` **DL3008** Pin versions in apt get install.',
        '- ℹ️ `images/python/Dockerfile:3` **DL3015** Avoid additional packages by specifying `--no-install-recommends`',
        '',
        '</details>',
        '',
        '**Build order** (2 images; images in one step build in parallel): python → boto3',
        '',
      ].join('\n'),
    );
  });

  it('starts with the marker that identifies the one Dockyard comment', () => {
    expect(renderComment(outcomeOf(modified('python')), { sha }).startsWith(`${commentMarker}\n`)).toBe(true);
    expect(commentMarker).toBe('<!-- dockyard:report -->');
  });

  it('links the check run when it has one', () => {
    const comment = renderComment(outcomeOf(modified('boto3')), { sha, checkRunUrl: 'https://github.com/acme/agents/runs/42' });

    expect(comment.endsWith('\n\nAll findings, with line annotations: [Dockyard check run](https://github.com/acme/agents/runs/42).')).toBe(true);
  });

  it('says all checks passed, for one image', () => {
    const comment = renderComment(outcomeOf(modified('boto3')), { sha });

    expect(comment.split('\n').slice(0, 4)).toEqual([
      commentMarker,
      '## ✅ Dockyard: all checks passed',
      '',
      'Checked 1 image at `0123456` against the policy on the default branch.',
    ]);
    expect(tableRows(comment)).toEqual(['| **boto3** (changed) | `python` (catalog) | ✅ catalog image | 0 / 0 / 0 | ✅ |']);
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

  it('shows an upstream parent shortened to 80 characters, and a refused parent with its failing count', () => {
    const folders = seedFolders().map((image) => (image.name === 'node' ? folder('node', fromUpstream('node:20-bookworm')) : image));
    const comment = renderComment(outcomeOf(modified('base', 'node'), lintOk(), folders), { sha });

    expect(tableRows(comment)).toEqual([
      '| **node** (changed) | `node:20-bookworm` | ❌ not approved | 0 / 0 / 0 | ❌ 1 |',
      `| **base** (changed) | \`${agentParent.slice(0, 79)}…\` | ✅ approved upstream | 0 / 0 / 0 | ✅ |`,
      '| **boto3** | `python` (catalog) | ✅ catalog image | 0 / 0 / 0 | ✅ |',
      '| **python** | `base` (catalog) | ✅ catalog image | 0 / 0 / 0 | ✅ |',
    ]);
  });

  it('shows a removed image and its orphaned child', () => {
    const folders = seedFolders().filter((image) => image.name !== 'python');
    const comment = renderComment(outcomeOf([{ path: 'images/python/Dockerfile', status: 'removed' }], lintOk(), folders), { sha });

    expect(tableRows(comment)).toEqual([
      '| **boto3** (changed) | `python` (catalog) | ❌ not in catalog | 0 / 0 / 0 | ❌ 1 |',
      '| **python** (removed) | — | — | 0 / 0 / 0 | ✅ |',
    ]);
    expect(comment).toContain(
      '- ❌ `images/boto3/Dockerfile:2` **DY003** `python` is not in the catalog: this change removes `images/python`, but `boto3` still builds on it. Move `boto3` to another parent first, or keep `python`.',
    );
  });

  it('says how many notes a passing check has', () => {
    const outcome = outcomeOf(modified('python'), lintOk(recommendsNote));

    expect(headline(outcome)).toBe('passed with 1 note');
    expect(renderComment(outcome, { sha })).toContain('<details><summary><b>python</b>: 1 finding</summary>');
  });

  it('lists at most twelve images of one build step', () => {
    const children = Array.from({ length: 15 }, (_, index) => folder(`c${String(index).padStart(2, '0')}`, `ARG REGISTRY\nFROM \${REGISTRY}/jenkins-agents/base\n`));
    const names = children.map((child) => child.name);
    const comment = renderComment(outcomeOf(modified(...names), lintOk(), [...seedFolders(), ...children]), { sha });

    expect(comment).toContain(`**Build order** (15 images; images in one step build in parallel): ${names.slice(0, 12).join(', ')} (+3)`);
  });

  describe('on a very large pull request', () => {
    const longMessage = (rule: number) =>
      `Rule ${rule}: ${'This finding explains at length what is wrong with this line and how to fix it. '.repeat(4)}`;

    it('stays under GitHub’s limit with 300 changed images of ~20 long findings each, and says what it left out', () => {
      const names = Array.from({ length: 300 }, (_, index) => `img-${String(index).padStart(3, '0')}`);
      const folders = names.map((name) => folder(name, fromUpstream('debian:bookworm', 'RUN apt-get install -y curl')));
      const lint = names.flatMap((name) =>
        Array.from({ length: 20 }, (_, rule) => hadolint(`images/${name}/Dockerfile`, 2, 'warning', `DL${3000 + rule}`, longMessage(rule))),
      );
      const outcome = outcomeOf(modified(...names), lintOk(...lint), folders);

      const comment = renderComment(outcome, { sha, checkRunUrl: 'https://github.com/acme/agents/runs/42' });

      expect(outcome.findings).toHaveLength(300 * 21);
      expect(comment.length).toBeLessThanOrEqual(maxCommentLength);
      expect(comment.length).toBeLessThan(githubCommentLimit);
      const note = /> This comment leaves out (?:(\d+) image rows and )?the findings of (\d+) images to stay within GitHub's size limit\. The check run lists every finding; `dockyard check` prints them locally\./.exec(comment);
      expect(note).not.toBeNull();
      const leftOutRows = Number(note?.[1] ?? 0);
      const leftOutDetails = Number(note?.[2]);
      const detailBlocks = comment.split('\n').filter((line) => line.startsWith('<details open><summary><b>img-'));
      expect(tableRows(comment)).toHaveLength(300 - leftOutRows);
      expect(detailBlocks.length).toBeGreaterThan(0);
      expect(detailBlocks.length + leftOutDetails).toBe(300);
      expect(comment).toContain('_The diagram shows the changed images only; 260 more affected images are in the table._');
      expect(comment).toContain('[Dockyard check run](https://github.com/acme/agents/runs/42)');
    });

    it('leaves out table rows too when even the rows do not fit', () => {
      const names = Array.from({ length: 1200 }, (_, index) => `image-with-a-rather-long-name-${String(index).padStart(4, '0')}`);
      const folders = [...seedFolders(), ...names.map((name) => folder(name, `ARG REGISTRY\nFROM \${REGISTRY}/jenkins-agents/base\n`))];
      const comment = renderComment(outcomeOf(modified(...names), lintOk(), folders), { sha });

      expect(comment.length).toBeLessThanOrEqual(maxCommentLength);
      const leftOut = /> This comment leaves out (\d+) image rows to stay within GitHub's size limit\./.exec(comment);
      expect(leftOut).not.toBeNull();
      expect(tableRows(comment).length + Number(leftOut?.[1])).toBe(1200);
      expect(tableRows(comment).length).toBeGreaterThan(100);
    });
  });
});
