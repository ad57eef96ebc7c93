import type { CheckOutcome, ImageRow } from '../check/conclude-check.ts';
import type { Finding } from '../findings.ts';
import type { ParentVerdict } from '../policy/check-parents.ts';
import { findingIcon, formatFindingMarkdown, type FindingLinks } from './format-finding.ts';
import { escapeHtml, escapeText, fencedBlock, inlineCode, outsideMessage, tableCode, truncate } from './markdown.ts';
import { buildDetails, buildFails, buildProblems, buildScanCell, renderAwaitingApproval, type BuildState, type BuildView } from './render-builds.ts';
import { renderMermaid } from './render-mermaid.ts';
import { verdictOf } from './verdict.ts';

/** Hidden marker that identifies Dockyard's one comment on a pull request. */
export const commentMarker = '<!-- dockyard:report -->';

/** GitHub refuses comment bodies over 65,536 characters; stay well under it. */
export const maxCommentLength = 60_000;

/** Failing findings the list of what to fix names per image; the check run has the rest. */
const maxFixesPerImage = 10;

const verdictText: Record<ParentVerdict, string> = {
  approved: '✅',
  catalog: '✅',
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
  /** The repository's web address, e.g. `https://github.com/acme/agents`: `file:line` links point into it. */
  repoUrl?: string;
  /** What was built and scanned, or why nothing was; absent where Dockyard builds nothing. */
  builds?: BuildState;
}

/**
 * The pull request comment. It opens with the verdict and what must be fixed, per image, with links to
 * the lines and rules; then the summary (failing images in a table, passing ones collapsed); then the
 * inheritance diagram and the details, collapsed. Whatever does not fit GitHub's limit is left out, in
 * reverse order of importance, and the comment says what and links the check run.
 */
export function renderComment(outcome: CheckOutcome, context: CommentContext): string {
  return `${commentMarker}\n${renderReport(outcome, context, maxCommentLength - commentMarker.length - 1)}`;
}

/** The one-line verdict of a check alone (no builds), as the CLI prints it. */
export function headline(outcome: CheckOutcome): string {
  return verdictOf(outcome).headline;
}

/** The report within `limit` characters: the comment's body, and the check run's summary. */
export function renderReport(outcome: CheckOutcome, context: CommentContext, limit: number): string {
  const verdict = verdictOf(outcome, context.builds);
  const views = new Map(context.builds?.kind === 'built' ? context.builds.images.map((view) => [view.name, view] as const) : []);
  const links: FindingLinks = context.repoUrl === undefined ? { sha: context.sha } : { sha: context.sha, repoUrl: context.repoUrl };
  // Build order: a parent's problems come before its children's, since fixing them may fix theirs.
  const order = new Map(outcome.analysis.plan.flat().map((name, index) => [name, index] as const));
  const images = [...outcome.rows].sort((a, b) => (order.get(a.name) ?? Infinity) - (order.get(b.name) ?? Infinity) || a.name.localeCompare(b.name));
  const fails = (row: ImageRow) => row.failing > 0 || buildFails(views.get(row.name) ?? { name: row.name, status: 'skipped' });
  const failingRows = images.filter(fails);
  const passingRows = images.filter((row) => !fails(row));
  const parentView = (name: string): BuildView | undefined => {
    const parent = outcome.analysis.catalog.images.get(name)?.parent;
    return parent?.kind === 'catalog' ? views.get(parent.name) : undefined;
  };

  const head = [`## ${verdict.icon} Dockyard: ${verdict.headline}`, ''];
  if (context.builds?.kind === 'awaiting-approval') head.push(renderAwaitingApproval(context.builds.command, context.sha), '');
  const changed = images.filter((row) => row.changed || row.removed).length;
  const checked = `Checked ${count(images.length, 'image')}${changed > 0 && changed < images.length ? ` (${changed} changed)` : ''} at ${inlineCode(context.sha.slice(0, 7))} against the policy on the default branch.${ownersNote(outcome)}`;
  const lintNote =
    outcome.lint.status === 'unavailable'
      ? ['> [!WARNING]', '> Lint did not run:', ...outsideMessage(outcome.lint.reason).split('\n').map((line) => `> ${line}`), '']
      : [];
  const footer = context.checkRunUrl ? `All findings, with line annotations: [Dockyard check run](${context.checkRunUrl}).` : '';

  // Everything below is added in order of importance while it fits; the note then says what did not.
  const reserve = 600;
  let budget = limit - length(head) - checked.length - length(lintNote) - footer.length - reserve;
  const leftOut: string[] = [];
  const take = (block: string): boolean => {
    if (block.length + 2 > budget) return false;
    budget -= block.length + 2;
    return true;
  };

  // What to fix takes at most 60% of the room, so that the table of failing images still fits after it;
  // with many failing images each names fewer findings, and the check run has them all.
  const fixBlocks: string[] = [];
  let fixesLeftOut = 0;
  let fixRoom = Math.floor(budget * 0.6);
  const perImage = failingRows.length > 20 ? 3 : maxFixesPerImage;
  for (const row of failingRows) {
    const block = fixBlock(row, outcome, views.get(row.name), parentView(row.name), links, perImage);
    if (block.length + 2 <= fixRoom && take(block)) {
      fixRoom -= block.length + 2;
      fixBlocks.push(block);
    } else fixesLeftOut++;
  }
  if (fixesLeftOut > 0) leftOut.push(`what to fix in ${count(fixesLeftOut, 'image')}`);

  const failingScan = [...views.values()].find((view) => view.gate !== undefined && !view.gate.passed);
  const anyVulnerabilities = [...views.values()].some((view) => view.scan?.status === 'ok' && view.scan.vulnerabilities.length > 0);
  const waiverNote = anyVulnerabilities ? waiverHowTo(failingScan?.gate?.failing[0]?.id) : '';
  const waiverFirst = failingScan !== undefined && take(waiverNote);

  const withBuilds = views.size > 0;
  const failingTable = tableOf(failingRows, outcome, views, withBuilds, parentView);
  const failingTableShown = failingRows.length > 0 && take(failingTable);
  if (failingRows.length > 0 && !failingTableShown) leftOut.push('the table of failing images');

  const passingTable = passingRows.length === 0 ? '' : collapsed(`${count(passingRows.length, 'image')} ${passingRows.length === 1 ? 'passes' : 'pass'}`, tableOf(passingRows, outcome, views, withBuilds, parentView));
  const passingShown = passingTable !== '' && take(passingTable);
  if (passingTable !== '' && !passingShown) leftOut.push(`the rows of ${count(passingRows.length, 'passing image')}`);

  const failingNames = new Set(failingRows.map((row) => row.name));
  const diagram = diagramBlock(outcome, failingNames);
  const diagramShown = diagram !== '' && take(diagram);
  if (diagram !== '' && !diagramShown) leftOut.push('the inheritance diagram');

  const detailBlocks: string[] = [];
  let detailsLeftOut = 0;
  for (const row of [...failingRows, ...passingRows]) {
    const block = detailsBlock(row, outcome, views.get(row.name), parentView(row.name), links);
    if (block === '') continue;
    if (take(block)) detailBlocks.push(block);
    else detailsLeftOut++;
  }
  if (detailsLeftOut > 0) leftOut.push(`the details of ${count(detailsLeftOut, 'image')}`);
  const waiverLast = !waiverFirst && waiverNote !== '' && take(waiverNote);

  const where = context.checkRunUrl ? `The [check run](${context.checkRunUrl})` : 'The check run';
  const note =
    leftOut.length > 0
      ? ['> [!NOTE]', `> To stay within GitHub's size limit this report leaves out ${leftOut.join(', ')}. ${where} lists every finding; \`dockyard check\` prints them locally.`, '']
      : [];

  return [
    ...head,
    ...fixBlocks.flatMap((block) => [block, '']),
    ...(waiverFirst ? [waiverNote, ''] : []),
    checked,
    '',
    ...lintNote,
    ...note,
    ...(failingTableShown ? [failingTable, ''] : []),
    ...(passingShown ? [passingTable, ''] : []),
    ...(diagramShown ? [diagram, ''] : []),
    ...detailBlocks.flatMap((block) => [block, '']),
    ...(waiverLast ? [waiverNote, ''] : []),
    footer,
  ].join('\n');
}

// One failing image as a list item whose nested items are what must be fixed: its failing findings
// (linked to line and rule), then its build's or scan's problems.
function fixBlock(row: ImageRow, outcome: CheckOutcome, view: BuildView | undefined, parent: BuildView | undefined, links: FindingLinks, perImage: number): string {
  const failing = outcome.findings.filter((finding) => finding.image === row.name && outcome.failing.has(finding));
  const items = failing.slice(0, perImage).map((finding) => formatFindingMarkdown(finding, true, links).slice(2));
  if (failing.length > perImage) items.push(`…and ${failing.length - perImage} more failing findings, in the check run.`);
  if (view) items.push(...buildProblems(view, parent));
  const title = `**${escapeText(row.name)}**${row.removed ? ' (removed)' : row.changed ? ' (changed)' : ''}`;
  return [`- ${title}`, ...items.map((item) => `  - ${item}`)].join('\n');
}

// Failing and passing images are in tables of their own, so a row needs no result column.
function tableOf(rows: readonly ImageRow[], outcome: CheckOutcome, views: ReadonlyMap<string, BuildView>, withBuilds: boolean, parentView: (name: string) => BuildView | undefined): string {
  const header = withBuilds ? '| Image | Parent | Findings | Build and scan |\n|---|---|---|---|' : '| Image | Parent | Findings |\n|---|---|---|';
  const lines = rows.map((row) => {
    const name = `${escapeText(row.name)}${row.removed ? ' (removed)' : row.changed ? ' (changed)' : ''}`;
    const parentName = row.removed || row.parent === '' ? '—' : tableCode(row.parentKind === 'catalog' ? row.parent : truncate(row.parent, 80));
    const parent = row.removed ? '—' : `${parentName} ${verdictText[row.verdict]}`;
    const build = withBuilds ? ` ${buildScanCell(views.get(row.name), parentView(row.name))} |` : '';
    return `| ${name} | ${parent} | ${findingCounts(row.name, outcome)} |${build}`;
  });
  return [header, ...lines].join('\n');
}

// Counted with the same icons as the findings list: ❌ fails, ⚠️ and ℹ️ inform.
function findingCounts(image: string, outcome: CheckOutcome): string {
  const counts = new Map<string, number>();
  for (const finding of outcome.findings) {
    if (finding.image !== image) continue;
    const icon = findingIcon(finding, outcome.failing.has(finding));
    counts.set(icon, (counts.get(icon) ?? 0) + 1);
  }
  const parts = (['❌', '⚠️', 'ℹ️'] as const).filter((icon) => counts.has(icon)).map((icon) => `${icon} ${counts.get(icon)}`);
  return parts.length > 0 ? parts.join(' · ') : '—';
}

function diagramBlock(outcome: CheckOutcome, failing: ReadonlySet<string>): string {
  const { affected, change } = outcome.analysis;
  if (affected.size === 0) return '';
  const mermaid = renderMermaid(outcome.analysis, { failing });
  const changed = [...affected].filter((name) => change.changed.has(name)).length;
  return collapsed(`Inheritance: ${count(changed, 'changed image')}, ${affected.size} affected`, [
    fencedBlock(mermaid.text, 'mermaid'),
    '',
    `Yellow: changed · blue: affected · red: fails · dashed: upstream parent (red when not allowed)${mermaid.omitted > 0 ? ` · ${mermaid.omitted} more affected images are counted in the "+N" nodes` : ''}.`,
    '',
    renderPlan(outcome),
  ].join('\n'));
}

function detailsBlock(row: ImageRow, outcome: CheckOutcome, view: BuildView | undefined, parent: BuildView | undefined, links: FindingLinks): string {
  const notes = outcome.findings.filter((finding: Finding) => finding.image === row.name && !outcome.failing.has(finding));
  const build = view ? buildDetails(view, parent, row.failing > 0) : '';
  if (notes.length === 0 && build === '') return '';
  const what = [notes.length > 0 ? count(notes.length, 'note') : '', build !== '' ? (view?.status === 'failed' ? 'build log' : 'build and scan') : ''].filter((part) => part !== '');
  const parts = [...(notes.length > 0 ? [notes.map((finding) => formatFindingMarkdown(finding, false, links)).join('\n')] : []), ...(build !== '' ? [build] : [])];
  const open = view?.status === 'failed' ? ' open' : '';
  return [`<details${open}><summary><b>${escapeHtml(row.name)}</b>: ${what.join(', ')}</summary>`, '', ...parts.flatMap((part) => [part, '']), '</details>'].join('\n');
}

// `owners` in image.yml names who looks after an image. The report names the owners of the images a change
// affects so that reviewers know whom to ask, as text: the PR author writes image.yml, so the names are
// never live @mentions (escapeText breaks them), and asking for reviews stays a person's decision.
function ownersNote(outcome: CheckOutcome): string {
  const owners = new Set<string>();
  for (const name of [...outcome.analysis.affected].sort()) for (const owner of outcome.analysis.catalog.images.get(name)?.metadata.owners ?? []) owners.add(owner);
  if (owners.size === 0) return '';
  const shown = [...owners].slice(0, 10).map((owner) => escapeText(owner));
  return ` Owners of the affected images (from \`image.yml\`): ${shown.join(', ')}${owners.size > 10 ? ` and ${owners.size - 10} more` : ''}.`;
}

function waiverHowTo(id: string | undefined): string {
  const example = inlineCode(`${id ?? 'CVE-2024-12345'} exp:YYYY-MM-DD`);
  return `**To waive a vulnerability** the team accepts, a maintainer adds a line such as ${example} to ${inlineCode('.trivyignore')} on the default branch; the waiver ends on that date. Waived vulnerabilities are listed as waived, never fail the gate, and count on neither side of the comparison with the published image.`;
}

function renderPlan(outcome: CheckOutcome): string {
  const levels = outcome.analysis.plan;
  if (levels.length === 0) return '';
  const total = levels.reduce((sum, level) => sum + level.length, 0);
  const shown = levels.map((level) => {
    const names = level.slice(0, 12).map(escapeText).join(', ');
    return level.length > 12 ? `${names} (+${level.length - 12})` : names;
  });
  return `**Build order** (${count(total, 'image')}; images in one step build in parallel): ${shown.join(' → ')}`;
}

function collapsed(summary: string, body: string): string {
  return [`<details><summary>${escapeHtml(summary)}</summary>`, '', body, '', '</details>'].join('\n');
}

function length(lines: readonly string[]): number {
  return lines.reduce((sum, line) => sum + line.length + 1, 0);
}

function count(n: number, singular: string): string {
  return `${n} ${n === 1 ? singular : `${singular}s`}`;
}
