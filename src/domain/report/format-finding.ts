import type { Finding } from '../findings.ts';
import { escapeText, inlineCode, markupText } from './markdown.ts';

const icons = { error: '❌', warning: '⚠️', notice: 'ℹ️' } as const;

// The only links a finding may carry are the ones Dockyard itself derives from a rule id
// (src/adapters/hadolint/hadolint-finding.ts); any other URL in a message stays text.
const ruleLinks: readonly [RegExp, (rule: string) => string][] = [
  [/^DL\d{4}$/, (rule) => `https://github.com/hadolint/hadolint/wiki/${rule}`],
  [/^SC\d{4}$/, (rule) => `https://www.shellcheck.net/wiki/${rule}`],
];

/**
 * One finding as a Markdown list item: icon, location, rule and message. The message's backtick-quoted
 * parts become code spans and the rest escaped text, since messages quote Dockerfile text.
 */
export function formatFindingMarkdown(finding: Finding, failing: boolean): string {
  const icon = failing ? '❌' : finding.severity === 'error' ? '⚠️' : icons[finding.severity];
  const link = ruleLink(finding.rule);
  const suffix = link === undefined ? undefined : ` (${link})`;
  const linked = suffix !== undefined && finding.message.endsWith(suffix);
  const message = linked ? finding.message.slice(0, -suffix.length) : finding.message;
  const rule = linked ? `[${escapeText(finding.rule)}](${link})` : escapeText(finding.rule);
  return `- ${icon} ${inlineCode(`${finding.file}:${finding.line}`)} **${rule}** ${markupText(message)}`;
}

/** One finding as a plain text line, for the terminal. */
export function formatFindingText(finding: Finding, failing: boolean): string {
  const level = failing ? 'error' : finding.severity === 'error' ? 'warning' : finding.severity;
  return `${finding.file}:${finding.line}: ${level} ${finding.rule}: ${finding.message}`;
}

function ruleLink(rule: string): string | undefined {
  return ruleLinks.find(([pattern]) => pattern.test(rule))?.[1](rule);
}
