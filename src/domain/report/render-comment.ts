import type { CheckOutcome, ImageRow } from '../check/conclude-check.ts';
import type { ParentVerdict } from '../policy/check-parents.ts';
import { formatFindingMarkdown } from './format-finding.ts';
import { escapeHtml, escapeText, fencedBlock, inlineCode, outsideMessage, tableCode, truncate } from './markdown.ts';
import { renderMermaid } from './render-mermaid.ts';

/** Hidden marker that identifies Dockyard's one comment on a pull request. */
export const commentMarker = '<!-- dockyard:report -->';

/** GitHub refuses comment bodies over 65,536 characters; stay well under it. */
export const maxCommentLength = 60_000;

const verdictText: Record<ParentVerdict, string> = {
  approved: '✅ approved upstream',
  catalog: '✅ catalog image',
  'not-approved': '❌ not approved',
  unpinned: '❌ digest pin required',
  missing: '❌ not in catalog',
  cycle: '❌ cycle',
  unreadable: '❌ unreadable',
};

export interface CommentContext {
  /** The commit the check ran on. */
  sha: string;
  /** Link to the check run, for everything the comment leaves out. */
  checkRunUrl?: string;
  /** The build and scan section, when images were built (or wait for approval). */
  buildSection?: string;
  /** Images whose build or scan failed; they fail the check like findings do. */
  buildFailures?: number;
}

/**
 * The pull request comment: a headline, one table row per affected image, a Mermaid diagram of the
 * affected part of the tree, and the findings per image in collapsible sections. Whatever does not
 * fit under GitHub's limit is left out, and the comment says so and where to find it.
 */
export function renderComment(outcome: CheckOutcome, context: CommentContext): string {
  const head = renderHead(outcome, context);
  const mermaid = renderMermaid(outcome.analysis);
  const diagram = [
    '<details open><summary>Inheritance of the affected images</summary>',
    '',
    fencedBlock(mermaid.text, 'mermaid'),
    mermaid.omitted > 0 ? `\n_The diagram shows the changed images only; ${mermaid.omitted} more affected images are in the table._` : '',
    '</details>',
  ].join('\n');
  const plan = renderPlan(outcome);
  const footer = context.checkRunUrl ? `\nAll findings, with line annotations: [Dockyard check run](${context.checkRunUrl}).` : '';

  // Rows and details are added in order of importance until the budget runs out.
  const rows = [...outcome.rows].sort((a, b) => Number(b.failing > 0) - Number(a.failing > 0) || a.name.localeCompare(b.name));
  const builds = context.buildSection ? `\n${context.buildSection}\n` : '';
  let budget = maxCommentLength - head.length - diagram.length - builds.length - plan.length - footer.length - 600;
  const tableLines: string[] = [];
  let leftOutRows = 0;
  for (const row of rows) {
    const line = renderRow(row);
    if (line.length + 1 > budget) {
      leftOutRows++;
      continue;
    }
    budget -= line.length + 1;
    tableLines.push(line);
  }
  const details: string[] = [];
  let leftOutDetails = 0;
  for (const row of rows) {
    const block = renderDetails(row, outcome);
    if (block === '') continue;
    if (block.length + 2 > budget) {
      leftOutDetails++;
      continue;
    }
    budget -= block.length + 2;
    details.push(block);
  }
  const notes: string[] = [];
  if (leftOutRows > 0) notes.push(`${leftOutRows} image rows`);
  if (leftOutDetails > 0) notes.push(`the findings of ${leftOutDetails} images`);
  const leftOut =
    notes.length > 0
      ? `\n> [!NOTE]\n> This comment leaves out ${notes.join(' and ')} to stay within GitHub's size limit. The check run lists every finding; \`dockyard check\` prints them locally.\n`
      : '';
  return [
    head,
    '| Image | Parent | Parent check | Lint ❌/⚠️/ℹ️ | Result |',
    '|---|---|---|---|---|',
    ...tableLines,
    leftOut,
    diagram,
    builds,
    ...details.flatMap((block) => [block, '']),
    plan,
    footer,
  ].join('\n');
}

function renderHead(outcome: CheckOutcome, context: CommentContext): string {
  const failures = context.buildFailures ?? 0;
  const icon = failures > 0 ? '❌' : { success: '✅', failure: '❌', neutral: '⚠️' }[outcome.conclusion];
  const images = outcome.rows.length;
  // hadolint's own words: quoted as a code block inside the alert (every line of it prefixed with `>`).
  const lintNote =
    outcome.lint.status === 'unavailable'
      ? `\n> [!WARNING]\n> Lint did not run:\n${outsideMessage(outcome.lint.reason).split('\n').map((line) => `> ${line}`).join('\n')}\n`
      : '';
  return [
    commentMarker,
    `## ${icon} Dockyard: ${headline(outcome)}${failures > 0 ? `; ${failures} image${failures === 1 ? '' : 's'} failed build or scan` : ''}`,
    '',
    `Checked ${images} image${images === 1 ? '' : 's'} at ${inlineCode(context.sha.slice(0, 7))} against the policy on the default branch.`,
    lintNote,
    '',
  ].join('\n');
}

/** The one-line verdict used as the comment headline and the check run title. */
export function headline(outcome: CheckOutcome): string {
  const failing = outcome.failing.size;
  if (failing > 0) return `${failing} finding${failing === 1 ? '' : 's'} must be fixed`;
  if (outcome.conclusion === 'neutral') return 'policy passed, lint did not run';
  const others = outcome.findings.length;
  return others > 0 ? `passed with ${others} note${others === 1 ? '' : 's'}` : 'all checks passed';
}

function renderRow(row: ImageRow): string {
  const name = `**${escapeText(row.name)}**${row.removed ? ' (removed)' : row.changed ? ' (changed)' : ''}`;
  const parent = row.removed || row.parent === '' ? '—' : row.parentKind === 'catalog' ? `${tableCode(row.parent)} (catalog)` : tableCode(truncate(row.parent, 80));
  const verdict = row.removed ? '—' : verdictText[row.verdict];
  const lint = `${row.lint.error} / ${row.lint.warning} / ${row.lint.notice}`;
  return `| ${name} | ${parent} | ${verdict} | ${lint} | ${row.failing > 0 ? `❌ ${row.failing}` : '✅'} |`;
}

function renderDetails(row: ImageRow, outcome: CheckOutcome): string {
  const findings = outcome.findings.filter((finding) => finding.image === row.name);
  if (findings.length === 0) return '';
  return [
    `<details${row.failing > 0 ? ' open' : ''}><summary><b>${escapeHtml(row.name)}</b>: ${findings.length} finding${findings.length === 1 ? '' : 's'}</summary>`,
    '',
    ...findings.map((finding) => formatFindingMarkdown(finding, outcome.failing.has(finding))),
    '',
    '</details>',
  ].join('\n');
}

function renderPlan(outcome: CheckOutcome): string {
  const levels = outcome.analysis.plan;
  if (levels.length === 0) return '';
  const total = levels.reduce((sum, level) => sum + level.length, 0);
  const shown = levels.map((level) => {
    const names = level.slice(0, 12).map(escapeText).join(', ');
    return level.length > 12 ? `${names} (+${level.length - 12})` : names;
  });
  return `**Build order** (${total} image${total === 1 ? '' : 's'}; images in one step build in parallel): ${shown.join(' → ')}`;
}
