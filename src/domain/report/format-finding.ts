import type { Finding } from '../findings.ts';

const icons = { error: '❌', warning: '⚠️', notice: 'ℹ️' } as const;

/** One finding as a Markdown list item: icon, location, rule and message. */
export function formatFindingMarkdown(finding: Finding, failing: boolean): string {
  const icon = failing ? '❌' : finding.severity === 'error' ? '⚠️' : icons[finding.severity];
  return `- ${icon} \`${finding.file}:${finding.line}\` **${finding.rule}** ${finding.message}`;
}

/** One finding as a plain text line, for the terminal. */
export function formatFindingText(finding: Finding, failing: boolean): string {
  const level = failing ? 'error' : finding.severity === 'error' ? 'warning' : finding.severity;
  return `${finding.file}:${finding.line}: ${level} ${finding.rule}: ${finding.message}`;
}
