import type { Finding, Severity } from '../../domain/findings.ts';
import type { HadolintIssue } from './hadolint-output.ts';

// hadolint's info and style are advice; Dockyard has a single advisory level for them.
const severities: Record<HadolintIssue['level'], Severity> = {
  error: 'error',
  warning: 'warning',
  info: 'notice',
  style: 'notice',
};

/** Turns one hadolint issue into a Dockyard finding with a link that explains the rule. */
export function hadolintFinding(issue: HadolintIssue): Finding {
  const text = issue.message
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join('; ');
  const link = ruleLink(issue.code);
  return {
    // hadolint echoes each path as it was passed, and runHadolint passes repo-relative ones.
    file: issue.file,
    // Finding lines are 1-based; a rule about the whole file must still land on a real line.
    line: Math.max(1, issue.line),
    severity: severities[issue.level],
    source: 'hadolint',
    rule: issue.code,
    message: link === undefined ? text : `${text} (${link})`,
  };
}

function ruleLink(code: string): string | undefined {
  if (/^DL\d{4}$/.test(code)) return `https://github.com/hadolint/hadolint/wiki/${code}`;
  // hadolint runs ShellCheck on RUN lines; those rules are documented by ShellCheck, not hadolint.
  if (/^SC\d{4}$/.test(code)) return `https://www.shellcheck.net/wiki/${code}`;
  return undefined;
}
