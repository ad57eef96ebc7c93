import { activeVulnerabilities, type Vulnerability, type VulnerabilitySeverity } from './vulnerability.ts';
import { vulnerabilityKey, type ScanComparison } from './compare-scans.ts';
import { countBySeverity, severities, sortVulnerabilities } from './order-vulnerabilities.ts';
import { escapeText, inlineCode, tableCode, truncate } from '../report/markdown.ts';

/** One image's scan, as the reports show it. */
export interface ScanView {
  vulnerabilities: readonly Vulnerability[];
  /** The comparison with the published image, when there is one. */
  comparison?: ScanComparison;
  /**
   * The catalog parent scanned in the same run. What the image shares with it is counted, not listed
   * again: the parent's section lists it, and fixing it there fixes it here.
   */
  parent?: { name: string; vulnerabilities: readonly Vulnerability[] };
}

export interface RenderScanOptions {
  /** How many findings the table (and the list of added ones) shows at most; 10 when not given. */
  top?: number;
}

const defaultTop = 10;
/** Titles are a scanner's one-line summary; longer ones are cut, the link has the rest. */
const maxTitleLength = 90;

export const severityIcon: Record<VulnerabilitySeverity, string> = { CRITICAL: '🔴', HIGH: '🟠', MEDIUM: '🟡', LOW: '⚪', UNKNOWN: '❔' };

/** What of a scan an image shows itself: everything, or what it adds over its parent. */
export function ownVulnerabilities(scan: ScanView): { own: Vulnerability[]; inherited: number } {
  const sorted = sortVulnerabilities(scan.vulnerabilities);
  if (scan.parent === undefined) return { own: sorted, inherited: 0 };
  const parentKeys = new Set(scan.parent.vulnerabilities.map(vulnerabilityKey));
  const own = sorted.filter((vulnerability) => !parentKeys.has(vulnerabilityKey(vulnerability)));
  return { own, inherited: sorted.length - own.length };
}

/**
 * Markdown for one image in the pull request comment: counts by severity, what the change adds and
 * fixes compared with the published image, a table of the most severe findings (with Trivy's status
 * and title), and the findings `.trivyignore` waives. A child of a parent scanned in the same run
 * lists only what it adds over that parent.
 */
export function renderScanMarkdown(scan: ScanView, options: RenderScanOptions = {}): string {
  const top = options.top ?? defaultTop;
  const { own, inherited } = ownVulnerabilities(scan);
  const active = activeVulnerabilities(own);
  const waived = own.filter((vulnerability) => vulnerability.waived !== undefined);
  const lines = [summaryMarkdown(activeVulnerabilities(scan.vulnerabilities), scan.vulnerabilities.length - activeVulnerabilities(scan.vulnerabilities).length)];
  if (scan.parent !== undefined && inherited > 0) {
    lines.push('', `${inherited} inherited from ${inlineCode(scan.parent.name)} (listed there); the table shows what this image adds.`);
  }
  if (scan.comparison !== undefined) {
    const { added, fixed, unchanged } = scan.comparison;
    lines.push('', `**Compared with the published image:** adds ${added.length}, fixes ${fixed.length} (${unchanged} unchanged).`);
    // A child's table already is what it adds over its parent; the list is for images without one.
    if (added.length > 0 && scan.parent === undefined) {
      lines.push('', 'Added:');
      for (const vulnerability of added.slice(0, top)) {
        lines.push(`- ${severityIcon[vulnerability.severity]} ${vulnerability.severity} ${idMarkdown(vulnerability)} in ${inlineCode(vulnerability.pkgName)} (${versionsMarkdown(vulnerability, inlineCode)})`);
      }
      if (added.length > top) lines.push(`- …and ${added.length - top} more`);
    }
  }
  if (active.length === 0 && waived.length === 0) {
    lines.push('', inherited > 0 ? 'Nothing beyond what the parent has.' : 'No vulnerabilities found.');
    return lines.join('\n');
  }
  if (active.length > 0) {
    lines.push('', ...tableMarkdown(active.slice(0, top)));
    if (active.length > top) lines.push('', `…and ${active.length - top} more (the table shows the ${top} most severe).`);
  }
  if (waived.length > 0) {
    lines.push('', `**Waived** by ${inlineCode('.trivyignore')} (not counted, never fail the gate):`, '', ...tableMarkdown(waived.slice(0, top)));
    if (waived.length > top) lines.push('', `…and ${waived.length - top} more waived.`);
  }
  return lines.join('\n');
}

/** One vulnerability as a list item of what must be fixed: severity, id (linked), package, versions, title. */
export function vulnerabilityItemMarkdown(vulnerability: Vulnerability): string {
  const title = vulnerability.title ? `: ${escapeText(truncate(vulnerability.title, maxTitleLength))}` : '';
  return `${severityIcon[vulnerability.severity]} ${vulnerability.severity} ${idMarkdown(vulnerability)} in ${inlineCode(vulnerability.pkgName)} (${versionsMarkdown(vulnerability, inlineCode)})${title}`;
}

/** Plain text for logs and the command line: a count line for the image, then one line per finding. */
export function renderScanText(image: string, scan: ScanView, options: RenderScanOptions = {}): string {
  const top = options.top ?? defaultTop;
  const sorted = sortVulnerabilities(activeVulnerabilities(scan.vulnerabilities));
  const waived = scan.vulnerabilities.length - sorted.length;
  const counts = countBySeverity(sorted);
  const summary = shownSeverities(counts).map((severity) => `${counts[severity]} ${severity.toLowerCase()}`);
  if (waived > 0) summary.push(`${waived} waived`);
  const lines = [`${image}: ${summary.join(', ')}`];
  const width = Math.max(0, ...sorted.slice(0, top).map((vulnerability) => vulnerability.severity.length));
  for (const vulnerability of sorted.slice(0, top)) {
    lines.push(`  ${vulnerability.severity.padEnd(width)} ${vulnerability.id} ${vulnerability.pkgName} ${versionsText(vulnerability)}`);
  }
  if (sorted.length > top) lines.push(`  ...and ${sorted.length - top} more`);
  if (scan.comparison !== undefined) {
    const { added, fixed, unchanged } = scan.comparison;
    lines.push(`  compared with the published image: adds ${added.length}, fixes ${fixed.length} (${unchanged} unchanged)`);
    for (const vulnerability of added.slice(0, top)) {
      lines.push(`  + ${vulnerability.severity} ${vulnerability.id} ${vulnerability.pkgName} (${versionsText(vulnerability)})`);
    }
    if (added.length > top) lines.push(`  + ...and ${added.length - top} more`);
  }
  return lines.join('\n');
}

function tableMarkdown(vulnerabilities: readonly Vulnerability[]): string[] {
  return [
    '| Severity | Vulnerability | Package | Installed → fixed | Status | Title |',
    '|---|---|---|---|---|---|',
    ...vulnerabilities.map((vulnerability) => {
      const severity = `${severityIcon[vulnerability.severity]} ${vulnerability.severity}`;
      const status = vulnerability.waived !== undefined ? 'waived' : vulnerability.status ? escapeText(vulnerability.status) : '—';
      const title = vulnerability.title ? escapeText(truncate(vulnerability.title, maxTitleLength)) : '—';
      return `| ${severity} | ${idMarkdown(vulnerability)} | ${tableCode(vulnerability.pkgName)} | ${versionsMarkdown(vulnerability, tableCode)} | ${status} | ${title} |`;
    }),
  ];
}

function summaryMarkdown(active: readonly Vulnerability[], waived: number): string {
  const counts = countBySeverity(active);
  const parts = shownSeverities(counts).map((severity) => `${severityIcon[severity]} ${counts[severity]} ${severity.toLowerCase()}`);
  if (waived > 0) parts.push(`${waived} waived`);
  return parts.join(' · ');
}

// UNKNOWN is rare and means "not rated": shown only when there is one, so the usual line stays short.
function shownSeverities(counts: Record<VulnerabilitySeverity, number>): VulnerabilitySeverity[] {
  return severities.filter((severity) => severity !== 'UNKNOWN' || counts[severity] > 0);
}

// Package names and versions come from the scanned image, so from the pull request; ids, titles and
// URLs from the scanner's database. All of it is quoted through report/markdown.ts.
function idMarkdown(vulnerability: Vulnerability): string {
  const id = escapeText(vulnerability.id);
  const url = vulnerability.primaryUrl;
  // Only plain web links, and only as the target: the link text is the escaped id.
  if (url === undefined || !/^https?:\/\/[^\s<>()\\`]+$/.test(url)) return id;
  return `[${id}](${url})`;
}

function versionsMarkdown(vulnerability: Vulnerability, code: (text: string) => string): string {
  const fixed = vulnerability.fixedVersion === undefined ? 'no fix' : code(vulnerability.fixedVersion);
  return `${code(vulnerability.installedVersion)} → ${fixed}`;
}

function versionsText(vulnerability: Vulnerability): string {
  return `${vulnerability.installedVersion} -> ${vulnerability.fixedVersion ?? 'no fix'}`;
}
