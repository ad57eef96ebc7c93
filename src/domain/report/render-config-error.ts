import type { ConfigIssue } from '../../errors.ts';
import { commentMarker } from './render-comment.ts';
import type { CheckOutput } from './render-check-output.ts';

/** The check run output and comment when the config on the default branch cannot be used. */
export function renderConfigError(file: string, issues: readonly ConfigIssue[], defaultBranch: string): CheckOutput & { comment: string } {
  const list = issues.map((issue) => `- \`${file}:${issue.line}\` ${issue.field ? `**${issue.field}**: ` : ''}${issue.message}`);
  const body = [
    `Dockyard reads its policy from \`${file}\` on the default branch (\`${defaultBranch}\`), and that file is invalid, so nothing in this pull request was checked:`,
    '',
    ...list,
    '',
    `Fix the file on \`${defaultBranch}\` (a pull request that changes it is checked against the current one), then re-run this check.`,
  ].join('\n');
  return {
    title: 'Dockyard: invalid config on the default branch',
    summary: body,
    annotationBatches: [
      issues.slice(0, 50).map((issue) => ({
        path: file,
        start_line: issue.line,
        end_line: issue.line,
        annotation_level: 'failure' as const,
        title: `Invalid config${issue.field ? `: ${issue.field}` : ''}`,
        message: issue.message,
      })),
    ],
    comment: `${commentMarker}\n## ❌ Dockyard: invalid config on the default branch\n\n${body}\n`,
  };
}
