import type { CheckOutcome } from '../check/conclude-check.ts';
import { formatFindingText } from './format-finding.ts';
import { headline } from './render-comment.ts';

export interface TextOptions {
  /** Colour the outcome words with ANSI escapes (a terminal that wants them). */
  color?: boolean;
}

const ansi = { red: '\u001b[31m', yellow: '\u001b[33m', green: '\u001b[32m', bold: '\u001b[1m', reset: '\u001b[0m' } as const;

/** The check as plain text for a terminal: one line per finding, then the verdict. */
export function renderText(outcome: CheckOutcome, options: TextOptions = {}): string {
  const paint = (color: keyof typeof ansi, text: string) => (options.color ? `${ansi[color]}${text}${ansi.reset}` : text);
  const lines = outcome.findings.map((finding) => {
    const failing = outcome.failing.has(finding);
    const line = formatFindingText(finding, failing);
    if (!options.color) return line;
    // Only the outcome word is coloured, so the line stays greppable.
    const word = failing ? 'fails' : 'note';
    const at = line.indexOf(`: ${word} `);
    return `${line.slice(0, at + 2)}${paint(failing ? 'red' : 'yellow', word)}${line.slice(at + 2 + word.length)}`;
  });
  const names = outcome.rows.map((row) => row.name);
  if (outcome.lint.status === 'unavailable') lines.push(`${paint('yellow', 'warning')}: lint did not run: ${outcome.lint.reason}`);
  const verdict = headline(outcome);
  const color = outcome.conclusion === 'failure' ? 'red' : outcome.conclusion === 'neutral' ? 'yellow' : 'green';
  lines.push(
    `Dockyard: checked ${names.length} image${names.length === 1 ? '' : 's'}${names.length > 0 && names.length <= 20 ? ` (${names.join(', ')})` : ''}: ${paint(color, verdict)}.`,
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
