import type { ConfigIssue } from '../../errors.ts';
import { commentMarker } from './render-comment.ts';
import { annotationText, type CheckOutput } from './render-check-output.ts';
import { escapeText, inlineCode, markupText } from './markdown.ts';

/** The check run output and comment when the config on the default branch cannot be used. */
export function renderConfigError(file: string, issues: readonly ConfigIssue[], defaultBranch: string): CheckOutput & { comment: string } {
  // Messages come from the YAML parser and zod and may quote the file; fields are paths into it.
  const list = issues.map((issue) => `- ${inlineCode(`${file}:${issue.line}`)} ${issue.field ? `**${escapeText(issue.field)}**: ` : ''}${markupText(issue.message)}`);
  const body = [
    `Dockyard reads its policy from ${inlineCode(file)} on the default branch (${inlineCode(defaultBranch)}), and that file is invalid, so nothing in this pull request was checked:`,
    '',
    ...list,
    '',
    `Fix the file on ${inlineCode(defaultBranch)} (a pull request that changes it is checked against the current one), then re-run this check.`,
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
        ...annotationText(`Invalid config${issue.field ? `: ${issue.field}` : ''}`, issue.message),
      })),
    ],
    comment: `${commentMarker}\n## ❌ Dockyard: invalid config on the default branch\n\n${body}\n`,
  };
}
