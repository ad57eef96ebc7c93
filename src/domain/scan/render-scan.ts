import type { Vulnerability, VulnerabilitySeverity } from './vulnerability.ts';
import type { ScanComparison } from './compare-scans.ts';
import { countBySeverity, severities, sortVulnerabilities } from './order-vulnerabilities.ts';
import { escapeText, inlineCode, tableCode } from '../report/markdown.ts';

/** One image's scan, as the reports show it. */
export interface ScanView {
  vulnerabilities: readonly Vulnerability[];
  /** The comparison with the published image, when there is one. */
  comparison?: ScanComparison;
}

export interface RenderScanOptions {
  /** How many findings the table (and the list of added ones) shows at most; 10 when not given. */
  top?: number;
}

const defaultTop = 10;

const icon: Record<VulnerabilitySeverity, string> = { CRITICAL: '🔴', HIGH: '🟠', MEDIUM: '🟡', LOW: '⚪', UNKNOWN: '❔' };

/**
 * Markdown for one image in the pull request comment: counts by severity, what the change adds and
 * fixes compared with the published image, and a table of the most severe findings.
 */
export function renderScanMarkdown(scan: ScanView, options: RenderScanOptions = {}): string {
  const top = options.top ?? defaultTop;
  const sorted = sortVulnerabilities(scan.vulnerabilities);
  const lines = [summaryMarkdown(sorted)];
  if (scan.comparison !== undefined) {
    const { added, fixed, unchanged } = scan.comparison;
    lines.push('', `**Compared with the published image:** adds ${added.length}, fixes ${fixed.length} (${unchanged} unchanged).`);
    if (added.length > 0) {
      lines.push('', 'Added:');
      for (const vulnerability of added.slice(0, top)) {
        lines.push(`- ${icon[vulnerability.severity]} ${vulnerability.severity} ${idMarkdown(vulnerability)} in ${inlineCode(vulnerability.pkgName)} (${versionsMarkdown(vulnerability, inlineCode)})`);
      }
      if (added.length > top) lines.push(`- …and ${added.length - top} more`);
    }
  }
  if (sorted.length === 0) {
    lines.push('', 'No vulnerabilities found.');
    return lines.join('\n');
  }
  lines.push('', '| Severity | Vulnerability | Package | Installed → fixed |', '|---|---|---|---|');
  for (const vulnerability of sorted.slice(0, top)) {
    const severity = `${icon[vulnerability.severity]} ${vulnerability.severity}`;
    lines.push(`| ${severity} | ${idMarkdown(vulnerability)} | ${tableCode(vulnerability.pkgName)} | ${versionsMarkdown(vulnerability, tableCode)} |`);
  }
  if (sorted.length > top) lines.push('', `…and ${sorted.length - top} more (the table shows the ${top} most severe).`);
  return lines.join('\n');
}

/** Plain text for logs and the command line: a count line for the image, then one line per finding. */
export function renderScanText(image: string, scan: ScanView, options: RenderScanOptions = {}): string {
  const top = options.top ?? defaultTop;
  const sorted = sortVulnerabilities(scan.vulnerabilities);
  const counts = countBySeverity(sorted);
  const summary = shownSeverities(counts).map((severity) => `${counts[severity]} ${severity.toLowerCase()}`);
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

function summaryMarkdown(vulnerabilities: readonly Vulnerability[]): string {
  const counts = countBySeverity(vulnerabilities);
  return shownSeverities(counts)
    .map((severity) => `${icon[severity]} ${counts[severity]} ${severity.toLowerCase()}`)
    .join(' · ');
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
