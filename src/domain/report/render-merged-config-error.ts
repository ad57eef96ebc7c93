import type { ConfigIssue } from '../../errors.ts';
import { renderConfigError } from './render-config-error.ts';
import { escapeText, inlineCode, markupText } from './markdown.ts';
import type { CheckOutput } from './render-check-output.ts';

/**
 * The `Dockyard` check run on a default-branch commit whose config cannot be used, and the note on the
 * pull request that merged it: nothing is published until the file is fixed.
 */
export function renderMergedConfigError(file: string, issues: readonly ConfigIssue[], commit: string, defaultBranch: string): CheckOutput & { note: string } {
  const list = issues.map((issue) => `- ${inlineCode(`${file}:${issue.line}`)} ${issue.field ? `**${escapeText(issue.field)}**: ` : ''}${markupText(issue.message)}`);
  const title = 'Dockyard: invalid config on the default branch; nothing was published';
  const body = [
    `${inlineCode(file)} at ${inlineCode(commit.slice(0, 7))} on ${inlineCode(defaultBranch)} is invalid, so Dockyard published nothing from this commit and will check no pull request until it is fixed:`,
    '',
    ...list,
    '',
    `Fix the file in a new pull request to ${inlineCode(defaultBranch)}; merging it publishes again.`,
  ].join('\n');
  const { annotationBatches } = renderConfigError(file, issues, defaultBranch);
  return { title, summary: body, annotationBatches, note: `## ❌ ${title}\n\n${body}\n` };
}
