import type { Finding, FindingSource } from '../findings.ts';
import { blobUrl, ruleUrl } from './links.ts';
import { escapeText, inlineCode, markupText } from './markdown.ts';

// One vocabulary everywhere a finding appears (comment, check run, annotations, CLI, SARIF): the icon and
// outcome word say whether it FAILS the check; the level, in words, says how its source rates it. A hadolint
// warning that fails under `lint.failureThreshold: warning` is "❌ … (hadolint warning)", never an "error".

/** What a finding does to the check: `fails` (must be fixed) or `note` (informs). */
export type FindingOutcome = 'fails' | 'note';

/** The icon for a finding: ❌ when it fails the check, else ⚠️ for an error or warning, ℹ️ for a notice. */
export function findingIcon(finding: Pick<Finding, 'severity'>, failing: boolean): '❌' | '⚠️' | 'ℹ️' {
  if (failing) return '❌';
  return finding.severity === 'notice' ? 'ℹ️' : '⚠️';
}

const sourceName: Record<FindingSource, string> = { dockyard: 'Dockyard', hadolint: 'hadolint', config: 'config' };

/** How the finding's source rates it, in words: `hadolint warning`, `Dockyard error`. */
export function levelText(finding: Pick<Finding, 'source' | 'severity'>): string {
  return `${sourceName[finding.source]} ${finding.severity}`;
}

/** Where the report links a finding's file and line: the blob at the checked commit. */
export interface FindingLinks {
  repoUrl?: string;
  sha: string;
}

/**
 * One finding as a Markdown list item: outcome icon, location (linked to the line at the checked commit),
 * rule (linked to its page), the source's level and the message. The message's backtick-quoted parts
 * become code spans and the rest escaped text, since messages quote Dockerfile text.
 */
export function formatFindingMarkdown(finding: Finding, failing: boolean, links?: FindingLinks): string {
  const link = ruleUrl(finding.rule);
  const message = stripRuleLink(finding);
  const rule = link === undefined ? escapeText(finding.rule) : `[${escapeText(finding.rule)}](${link})`;
  const location = inlineCode(`${finding.file}:${finding.line}`);
  const href = links === undefined ? undefined : blobUrl(links.repoUrl, links.sha, finding.file, finding.line);
  const where = href === undefined ? location : `[${location}](${href})`;
  return `- ${findingIcon(finding, failing)} ${where} **${rule}** (${levelText(finding)}) ${markupText(message)}`;
}

/** One finding as a plain text line, for the terminal: `file:line: fails DL3008 (hadolint warning): message`. */
export function formatFindingText(finding: Finding, failing: boolean): string {
  return `${finding.file}:${finding.line}: ${failing ? 'fails' : 'note'} ${finding.rule} (${levelText(finding)}): ${finding.message}`;
}

/** The finding's message without the rule link a tool adapter appended, since the rule itself links there. */
export function stripRuleLink(finding: Pick<Finding, 'rule' | 'message'>): string {
  const link = ruleUrl(finding.rule);
  const suffix = link === undefined ? undefined : ` (${link})`;
  return suffix !== undefined && finding.message.endsWith(suffix) ? finding.message.slice(0, -suffix.length) : finding.message;
}
