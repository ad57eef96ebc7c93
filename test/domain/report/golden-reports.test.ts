import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maxSummaryLength, renderCheckOutput } from '../../../src/domain/report/render-check-output.ts';
import { renderComment } from '../../../src/domain/report/render-comment.ts';
import { verdictOf } from '../../../src/domain/report/verdict.ts';
import { goldenPath, goldens, scenarios } from './golden-fixtures.ts';
import { gfmToHtml, headings, hrefs, visibleText } from './gfm-html.ts';

// The golden files are compared byte for byte and never rewritten by this test. To change them on
// purpose run `node test/domain/report/write-goldens.ts` and review the diff as a reviewer reads the comment.

/** GitHub refuses issue comment bodies longer than this. */
const githubCommentLimit = 65_536;

const byName = new Map(scenarios().map((each) => [each.name, each]));

function scenario(name: string) {
  const found = byName.get(name);
  if (!found) throw new Error(`no scenario ${name}`);
  return found;
}

/** The first <ul>…</ul> of the HTML, as GitHub would show it. */
function firstList(html: string): string {
  const start = html.indexOf('<ul>');
  let depth = 0;
  for (const match of html.slice(start).matchAll(/<\/?ul>/g)) {
    depth += match[0] === '<ul>' ? 1 : -1;
    if (depth === 0) return html.slice(start, start + (match.index ?? 0) + 5);
  }
  return html.slice(start);
}

/** Where `tag` first occurs in the HTML, or past its end when it does not. */
function positionOf(html: string, tag: string): number {
  const index = html.indexOf(tag);
  return index === -1 ? html.length : index;
}

describe('pull request reports, as the reviewed golden files', () => {
  for (const [name, markdown] of goldens()) {
    it(`renders ${name} exactly as test/domain/report/golden/${name}.md`, () => {
      expect(`${markdown}\n`).toBe(readFileSync(goldenPath(name), 'utf8'));
    });
  }

  it('keeps every report within GitHub’s limits: comment 65,536, check summary 65,535, annotations 50 per request', () => {
    for (const { name, outcome, context } of scenarios()) {
      const output = renderCheckOutput(outcome, context);
      expect(renderComment(outcome, context).length, name).toBeLessThan(githubCommentLimit);
      expect(output.summary.length, name).toBeLessThanOrEqual(maxSummaryLength);
      for (const batch of output.annotationBatches) expect(batch.length, name).toBeLessThanOrEqual(50);
    }
  });

  it('keeps a 50-image base bump under 10,000 characters, each child listing only what it adds over its parent', () => {
    const comment = goldens().get('base-bump-50') ?? '';

    expect(comment.length).toBeLessThan(10_000);
    // The parent's vulnerabilities appear once, in its own section, not again for each of its 50 children.
    expect(comment.match(/CVE-2099-0005/g)).toHaveLength(1);
    expect(comment).toContain('| agent-02 | `base` ✅ | — | ✅ as `base` (+0 −1) |');
  });

  it('says what a 300-image report leaves out and links the check run', () => {
    const comment = goldens().get('pr-300-images') ?? '';

    expect(comment).toMatch(/> To stay within GitHub's size limit this report leaves out what to fix in \d+ images.*The \[check run\]\(https:\/\/github\.com\/acme\/agents\/runs\/42\) lists every finding/);
    expect(comment.split('\n').filter((line) => line.startsWith('| img-'))).toHaveLength(300);
  });

  it.each(['policy-failure', 'lint-failure', 'cve-failure', 'pr-300-images'])('opens a failing report (%s) with the findings: first heading, then first list', (name) => {
    const html = gfmToHtml(goldens().get(name) ?? '');
    const list = firstList(html);

    expect(headings(html)[0]).toMatch(/^❌ Dockyard: .*must be fixed/);
    // Nothing else comes between the heading and the list of what to fix.
    for (const later of ['<table>', '<details', '<pre']) expect(html.indexOf('<ul>')).toBeLessThan(positionOf(html, later));
    expect(html.slice(html.indexOf('</h2>'), html.indexOf('<ul>')).replace(/\s/g, '')).toBe('</h2>');
    expect(visibleText(list)).toContain('❌');
    for (const href of hrefs(list)) expect(href).toMatch(/^https:\/\//);
  });

  it('links each finding to its line at the head commit and to its rule’s page', () => {
    const list = firstList(gfmToHtml(goldens().get('policy-failure') ?? ''));

    expect(hrefs(list)).toEqual([
      'https://github.com/acme/agents/blob/0123456789abcdef0123456789abcdef01234567/images/python/Dockerfile#L1',
      'https://dockyard.example.com/docs/rules/DY001.md',
    ]);
  });

  it('shows hadolint’s level once, next to the rule, and ❌ only for what fails', () => {
    const list = visibleText(firstList(gfmToHtml(goldens().get('lint-failure') ?? '')));

    expect(list).toContain('❌ images/python/Dockerfile:3 DL3008 (hadolint warning) Pin versions in apt get install.');
    expect(list).not.toContain('DL3015');
  });

  it('never passes a fork that waits for approval, and tells the maintainer the exact command', () => {
    const { outcome, context } = scenario('fork-awaiting-approval');
    const output = renderCheckOutput(outcome, context);

    expect(output.conclusion).toBe('action_required');
    expect(output.title).toBe('Dockyard: policy and lint passed; not built or scanned until a maintainer approves');
    expect(output.summary).toContain('commented `/dockyard build 0123456`');
    expect(goldens().get('fork-awaiting-approval')).not.toContain('all checks passed');
  });

  it('heads a failed scan with the failure, and lists waived vulnerabilities as waived', () => {
    const { outcome, context } = scenario('cve-failure');
    const verdict = verdictOf(outcome, context.builds);
    const comment = goldens().get('cve-failure') ?? '';

    expect(verdict).toEqual({ conclusion: 'failure', icon: '❌', headline: '2 problems must be fixed: 2 images over the scan gate' });
    expect(comment).toContain('| 🔴 CRITICAL | CVE-2099-0007 | `perl-base` | `5.36.0-7` → no fix | waived | perl: crafted regular expression |');
    expect(comment).toContain('`CVE-2099-0001 exp:YYYY-MM-DD` to `.trivyignore`');
  });
});
