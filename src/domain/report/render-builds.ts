import type { ScanResult } from '../scan/scan-result.ts';
import { activeVulnerabilities, type Vulnerability } from '../scan/vulnerability.ts';
import { compareScans, vulnerabilityKey } from '../scan/compare-scans.ts';
import type { ScanGate } from '../scan/gate-scan.ts';
import { renderScanMarkdown, ownVulnerabilities, vulnerabilityItemMarkdown, type ScanView } from '../scan/render-scan.ts';
import { fencedBlock, inlineCode, markupText, outsideMessage, tableCode, truncate } from './markdown.ts';

/** What the report needs to know about one image's build and scan. */
export interface BuildView {
  name: string;
  status: 'built' | 'reused' | 'failed' | 'refused' | 'skipped';
  builder?: string;
  /** Why it failed, was refused or skipped, in words for the report. */
  reason?: string;
  /** The failing build step, e.g. `[2/3] RUN make`. */
  step?: string;
  /** The last lines of the build's output. */
  logTail?: string[];
  /** The file a refused context names. */
  file?: string;
  scan?: ScanResult;
  gate?: ScanGate;
  /** Vulnerabilities of the published image, when one exists, to compare against. */
  published?: Vulnerability[];
}

/** Why the images of a pull request were not built, when they were not. */
export type BuildState = { kind: 'built'; images: BuildView[] } | { kind: 'awaiting-approval'; command: string } | { kind: 'not-configured' };

/** Lines of build output a failed build shows, and how long each may be. */
const logLines = 20;
const maxLogLineLength = 500;
/** Most failing vulnerabilities the list of what to fix names per image; the scan details have the rest. */
const maxFailingListed = 5;

/** True when a build or its scan should fail the check. */
export function buildFails(view: BuildView): boolean {
  return view.status === 'failed' || view.status === 'refused' || (view.gate !== undefined && !view.gate.passed);
}

/** What a maintainer comments to build a fork's head: the command with the exact commit they reviewed. */
export function approvalCommand(command: string, sha: string): string {
  return `${command} ${sha.slice(0, 7)}`;
}

/** The note on a fork's pull request that nothing was built, and how a maintainer approves a build. */
export function renderAwaitingApproval(command: string, sha: string): string {
  return [
    '> [!IMPORTANT]',
    `> **Not built or scanned yet.** This pull request comes from a fork, so Dockyard builds it only after someone with write access has reviewed this exact commit and commented ${inlineCode(approvalCommand(command, sha))}. Every new push needs a new approval. Until then this check asks for action and does not pass.`,
  ].join('\n');
}

/**
 * The problems of one image's build and scan, as nested list items for "must be fixed": the build failure,
 * or the vulnerabilities over the gate. A child whose failing vulnerabilities all come from its parent
 * (built in the same run) says so in one line instead of repeating them.
 */
export function buildProblems(view: BuildView, parent?: BuildView): string[] {
  if (view.status === 'failed') return [`❌ **Build failed**${view.step ? ` at ${inlineCode(view.step)}` : ''}: the log is in the details below.`];
  if (view.status === 'refused') return [`❌ **Build refused**: ${markupText(view.reason ?? '')}`];
  if (view.gate === undefined || view.gate.passed) return [];
  const parentKeys = new Set(parent?.gate?.failing.map(vulnerabilityKey) ?? []);
  const own = view.gate.failing.filter((vulnerability) => !parentKeys.has(vulnerabilityKey(vulnerability)));
  const inherited = view.gate.failing.length - own.length;
  const items = own.slice(0, maxFailingListed).map((vulnerability) => `❌ ${vulnerabilityItemMarkdown(vulnerability)}`);
  if (own.length > maxFailingListed) items.push(`…and ${own.length - maxFailingListed} more over the gate, in the scan details below.`);
  if (inherited > 0 && parent) items.push(`❌ ${inherited} over the gate inherited from ${inlineCode(parent.name)}: fixing them there fixes them here.`);
  return items;
}

/**
 * The "Build and scan" cell of the summary table: how the build went, then the vulnerabilities over the
 * gate or not, the counts that are not zero (or "as `parent`" for a child that adds nothing to the parent
 * scanned in the same run), and the change against the published image.
 */
export function buildScanCell(view: BuildView | undefined, parent?: BuildView): string {
  if (view === undefined) return '—';
  if (view.status === 'failed') return '❌ build failed';
  if (view.status === 'refused') return '❌ build refused';
  if (view.status === 'skipped') return '⏭️ not built';
  const reused = view.status === 'reused' ? ' · reused build' : '';
  if (view.scan === undefined || view.gate === undefined) return `✅ built, ${view.scan?.status === 'unavailable' ? '⚠️ not scanned' : 'not scanned'}${reused}`;
  if (view.scan.status === 'unavailable') return `⚠️ not scanned${reused}`;
  const gate = view.gate;
  const scanned = { vulnerabilities: view.scan.vulnerabilities, ...(parent?.scan?.status === 'ok' ? { parent: { name: parent.name, vulnerabilities: parent.scan.vulnerabilities } } : {}) };
  let counts: string;
  if (scanned.parent !== undefined && ownVulnerabilities(scanned).own.length === 0) {
    counts = `as ${tableCode(scanned.parent.name)}`;
  } else {
    const parts = (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const)
      .filter((severity) => gate.counts[severity] > 0)
      .map((severity) => `${gate.counts[severity]} ${severity.toLowerCase()}`);
    const waived = view.scan.vulnerabilities.length - activeVulnerabilities(view.scan.vulnerabilities).length;
    if (waived > 0) parts.push(`${waived} waived`);
    counts = parts.length > 0 ? parts.join(', ') : 'no vulnerabilities';
  }
  const comparison = view.published ? compareScans(view.scan.vulnerabilities, view.published) : undefined;
  const delta = comparison ? ` (+${comparison.added.length} −${comparison.fixed.length})` : '';
  return `${gate.passed ? '✅' : '❌'} ${counts}${delta}${view.scan.database.stale ? ' ⚠️ stale database' : ''}${reused}`;
}

/**
 * The details of one image's build and scan, or '' when there is nothing beyond the table: the reason
 * and log of a failed build, the scan (only what it adds over `parent`, when its parent was scanned in
 * the same run), or why the scan did not run.
 */
export function buildDetails(view: BuildView, parent?: BuildView, ownFindingsFail = false): string {
  const parts: string[] = [];
  // A skip because the image's own findings fail needs no words: the findings say why.
  if (view.status === 'skipped' && ownFindingsFail) return '';
  if (view.status === 'failed' || view.status === 'refused' || view.status === 'skipped') {
    parts.push(reasonMarkdown(view));
    if (view.logTail && view.logTail.length > 0) {
      parts.push(fencedBlock(view.logTail.slice(-logLines).map((line) => truncate(line, maxLogLineLength)).join('\n'), 'text'));
    }
  }
  if (view.scan?.status === 'ok') {
    const scanView: ScanView = { vulnerabilities: view.scan.vulnerabilities };
    if (view.published) scanView.comparison = compareScans(view.scan.vulnerabilities, view.published);
    if (parent?.scan?.status === 'ok') scanView.parent = { name: parent.name, vulnerabilities: parent.scan.vulnerabilities };
    // A child with nothing of its own says nothing here: its row counts what it has and how that
    // compares with the published image, and its parent's section lists it.
    const nothingOwn = scanView.parent !== undefined && ownVulnerabilities(scanView).own.length === 0;
    if (!nothingOwn) parts.push(renderScanMarkdown(scanView, { top: 10 }));
  } else if (view.scan?.status === 'unavailable') {
    parts.push(`Scan did not run:\n\n${outsideMessage(view.scan.reason)}`);
  }
  return parts.join('\n\n');
}

// A failed build's reason is the engine's or BuildKit's message; a refused or skipped one is Dockyard's
// own sentence, quoting names in backticks.
function reasonMarkdown(view: BuildView): string {
  const step = view.step ? `\n\nFailing step: ${inlineCode(view.step)}` : '';
  if (view.status === 'failed') return `**Build failed**${step}${view.reason ? `\n\n${outsideMessage(view.reason)}` : ''}`;
  return `**${view.status === 'skipped' ? 'Skipped' : 'Refused'}**: ${markupText(view.reason ?? '')}${step}`;
}
