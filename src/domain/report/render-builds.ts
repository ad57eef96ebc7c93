import type { ScanResult } from '../scan/scan-result.ts';
import type { Vulnerability } from '../scan/vulnerability.ts';
import { compareScans } from '../scan/compare-scans.ts';
import type { ScanGate } from '../scan/gate-scan.ts';
import { renderScanMarkdown } from '../scan/render-scan.ts';
import { escapeHtml, escapeText, fencedBlock, inlineCode, markupText, outsideMessage, truncate } from './markdown.ts';

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

const maxRows = 100;
const maxDetailsLength = 20_000;
/** Lines of build output a failed build shows, and how long each may be. */
const logLines = 20;
const maxLogLineLength = 500;

/** True when a build or its scan should fail the check. */
export function buildFails(view: BuildView): boolean {
  return view.status === 'failed' || view.status === 'refused' || (view.gate !== undefined && !view.gate.passed);
}

/** The build and scan section of the pull request comment. */
export function renderBuilds(state: BuildState): string {
  if (state.kind === 'not-configured') return '';
  if (state.kind === 'awaiting-approval') {
    return [
      '### 🔒 Build and scan: waiting for approval',
      '',
      `This pull request comes from a fork, so Dockyard has not built it. Someone with write access can review the change and comment ${inlineCode(state.command)} to build and scan this exact commit (a new push needs a new approval).`,
    ].join('\n');
  }
  if (state.images.length === 0) return '';
  // Failures first, so that whatever the size limits leave out is the least important.
  const ordered = [...state.images].sort((a, b) => Number(buildFails(b)) - Number(buildFails(a)) || a.name.localeCompare(b.name));
  const rows = ordered.slice(0, maxRows).map((view) => `| **${escapeText(view.name)}** | ${statusText(view)} | ${scanText(view)} |`);
  if (ordered.length > maxRows) rows.push(`| …and ${ordered.length - maxRows} more | | |`);
  let budget = maxDetailsLength;
  const details = ordered.flatMap((view) => {
    const parts: string[] = [];
    if (view.status === 'failed' || view.status === 'refused' || view.status === 'skipped') {
      parts.push(reasonMarkdown(view));
      if (view.logTail && view.logTail.length > 0) {
        parts.push(fencedBlock(view.logTail.slice(-logLines).map((line) => truncate(line, maxLogLineLength)).join('\n'), 'text'));
      }
    }
    if (view.scan?.status === 'ok') {
      const scanView = view.published ? { vulnerabilities: view.scan.vulnerabilities, comparison: compareScans(view.scan.vulnerabilities, view.published) } : { vulnerabilities: view.scan.vulnerabilities };
      parts.push(renderScanMarkdown(scanView, { top: 10 }));
    } else if (view.scan?.status === 'unavailable') {
      parts.push(`Scan did not run:\n\n${outsideMessage(view.scan.reason)}`);
    }
    if (parts.length === 0) return [];
    const block = parts.join('\n\n');
    if (block.length > budget) return [];
    budget -= block.length;
    return [`<details${buildFails(view) ? ' open' : ''}><summary><b>${escapeHtml(view.name)}</b>: build and scan</summary>`, '', ...parts.flatMap((part) => [part, '']), '</details>', ''];
  });
  return ['### Build and scan', '', '| Image | Build | Vulnerabilities |', '|---|---|---|', ...rows, '', ...details].join('\n');
}

// A failed build's reason is the engine's or BuildKit's message; a refused or skipped one is Dockyard's
// own sentence, quoting names in backticks.
function reasonMarkdown(view: BuildView): string {
  const step = view.step ? `\n\nFailing step: ${inlineCode(view.step)}` : '';
  if (view.status === 'failed') return `**Build failed**${step}${view.reason ? `\n\n${outsideMessage(view.reason)}` : ''}`;
  return `**${view.status === 'skipped' ? 'Skipped' : 'Refused'}**: ${markupText(view.reason ?? '')}${step}`;
}

function statusText(view: BuildView): string {
  switch (view.status) {
    case 'built':
      return `✅ built${view.builder ? ` (${escapeText(view.builder)})` : ''}`;
    case 'reused':
      return '✅ reused an identical build';
    case 'failed':
      return '❌ failed';
    case 'refused':
      return '❌ refused';
    case 'skipped':
      return '⏭️ skipped';
  }
}

function scanText(view: BuildView): string {
  if (!view.scan) return '—';
  if (view.scan.status === 'unavailable') return '⚠️ not scanned';
  const gate = view.gate;
  if (!gate) return '—';
  const counts = `${gate.counts.CRITICAL} critical, ${gate.counts.HIGH} high, ${gate.counts.MEDIUM} medium, ${gate.counts.LOW} low`;
  return `${gate.passed ? '✅' : '❌'} ${counts}${view.scan.database.stale ? ' (⚠️ stale database)' : ''}`;
}
