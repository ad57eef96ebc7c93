import type { CheckOutcome } from '../check/conclude-check.ts';
import { formatFindingText } from './format-finding.ts';
import { headline } from './render-comment.ts';

/** The check as plain text for a terminal: one line per finding, then the verdict. */
export function renderText(outcome: CheckOutcome): string {
  const lines = outcome.findings.map((finding) => formatFindingText(finding, outcome.failing.has(finding)));
  const names = outcome.rows.map((row) => row.name);
  if (outcome.lint.status === 'unavailable') lines.push(`warning: lint did not run: ${outcome.lint.reason}`);
  lines.push(
    `Dockyard: checked ${names.length} image${names.length === 1 ? '' : 's'}${names.length > 0 && names.length <= 20 ? ` (${names.join(', ')})` : ''}: ${headline(outcome)}.`,
  );
  return lines.join('\n');
}

/** The check as JSON for scripts: the verdict, the rows, every finding with whether it fails. */
export function renderJson(outcome: CheckOutcome): string {
  return JSON.stringify(
    {
      conclusion: outcome.conclusion,
      images: outcome.rows,
      plan: outcome.analysis.plan,
      lint: outcome.lint.status === 'ok' ? { status: 'ok', version: outcome.lint.version } : outcome.lint,
      findings: outcome.findings.map((finding) => ({ ...finding, failing: outcome.failing.has(finding) })),
    },
    null,
    2,
  );
}
