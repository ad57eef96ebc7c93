import type { ConfigIssue } from '../../errors.ts';
import { commentMarker } from './render-comment.ts';
import { annotationText, type CheckOutput } from './render-check-output.ts';
import { escapeText, inlineCode, markupText } from './markdown.ts';

/** The check run output and comment when the config on the default branch cannot be used. */
export function renderConfigError(file: string, issues: readonly ConfigIssue[], defaultBranch: string): CheckOutput & { comment: string } {
  return renderUnusableConfig(file, issues, defaultBranch, {
    title: 'Dockyard: invalid config on the default branch',
    problem: 'that file is invalid',
    fix: `Fix the file on ${inlineCode(defaultBranch)} (a pull request that changes it is checked against the current one), then re-run this check.`,
    annotation: 'Invalid config',
  });
}

/**
 * The check run output and comment when the config on the default branch asks for a registry, namespace
 * or Jenkins controller the operator has not granted this repository.
 */
export function renderGrantError(file: string, issues: readonly ConfigIssue[], defaultBranch: string): CheckOutput & { comment: string } {
  return renderUnusableConfig(file, issues, defaultBranch, {
    title: 'Dockyard: config not granted by the operator',
    problem: "that file asks for what your Dockyard operator has not granted this repository (registries, namespaces and Jenkins controllers are the operator's settings)",
    fix: `Choose among what the operator granted in the file on ${inlineCode(defaultBranch)} (a pull request that changes it is checked against the current one), or ask your operator for a grant; then re-run this check.`,
    annotation: 'Not granted',
  });
}

function renderUnusableConfig(
  file: string,
  issues: readonly ConfigIssue[],
  defaultBranch: string,
  text: { title: string; problem: string; fix: string; annotation: string },
): CheckOutput & { comment: string } {
  // Messages come from the YAML parser and zod and may quote the file; fields are paths into it.
  const list = issues.map((issue) => `- ${inlineCode(`${file}:${issue.line}`)} ${issue.field ? `**${escapeText(issue.field)}**: ` : ''}${markupText(issue.message)}`);
  const body = [
    `Dockyard reads its policy from ${inlineCode(file)} on the default branch (${inlineCode(defaultBranch)}), and ${text.problem}, so nothing in this pull request was checked:`,
    '',
    ...list,
    '',
    text.fix,
  ].join('\n');
  return {
    title: text.title,
    summary: body,
    annotationBatches: [
      issues.slice(0, 50).map((issue) => ({
        path: file,
        start_line: issue.line,
        end_line: issue.line,
        annotation_level: 'failure' as const,
        ...annotationText(`${text.annotation}${issue.field ? `: ${issue.field}` : ''}`, issue.message),
      })),
    ],
    comment: `${commentMarker}\n## ❌ ${text.title}\n\n${body}\n`,
  };
}
