import type { Finding } from '../../domain/findings.ts';
import type { IgnorePragma } from './ignore-pragmas.ts';

/** Whether hadolint honoured a file's pragmas, and if not, which setting switched them off. */
export type PragmaVerdict =
  | { honoured: true }
  | { honoured: false; offBy: 'dockyard' | 'hadolint-config'; hadolintConfig?: string };

const scopes: Record<IgnorePragma['scope'], string> = {
  next: 'the instruction on the next line',
  stage: 'the rest of its build stage',
  global: 'the whole file',
};

/**
 * Reports one inline ignore pragma as DY009, so reviewers see what a Dockerfile tries to waive.
 * Never an error: when the pragma is not honoured, the findings it meant to hide are reported and
 * fail on their own; when it is, the notice is the only trace of what was waived.
 */
export function ignorePragmaFinding(file: string, pragma: IgnorePragma, verdict: PragmaVerdict): Finding {
  // Rebuilt from the parsed codes rather than quoted, so the comment's free text never reaches a report.
  const written = `\`# hadolint ${pragma.scope === 'next' ? '' : `${pragma.scope} `}ignore=${pragma.rules.join(',')}\``;
  const rules = pragma.rules.join(', ');
  const base = { file, line: pragma.line, source: 'dockyard', rule: 'DY009' } as const;
  if (verdict.honoured) {
    return {
      ...base,
      severity: 'notice',
      message:
        `${written} waives ${rules} for ${scopes[pragma.scope]}: inline lint ignores are allowed for this repository ` +
        '(lint.allowInlineIgnores in .github/dockyard.yml on the default branch).',
    };
  }
  const setting =
    verdict.offBy === 'dockyard'
      ? 'lint.allowInlineIgnores in .github/dockyard.yml'
      : `disable-ignore-pragma in ${verdict.hadolintConfig ?? '.hadolint.yaml'}`;
  const many = pragma.rules.length > 1;
  return {
    ...base,
    severity: 'warning',
    message:
      `${written} is not honoured: inline lint ignores are off for this repository (${setting} on the default branch). ` +
      `Fix the finding${many ? 's' : ''}, or ask a maintainer to waive the rule${many ? 's' : ''} in ` +
      `${verdict.hadolintConfig ?? '.hadolint.yaml'}.`,
  };
}
