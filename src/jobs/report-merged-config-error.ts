import { checkRunName, completeCheckRun, startCheckRun } from '../adapters/github/check-run.ts';
import { pullRequestsOfCommit } from '../adapters/github/compare-commits.ts';
import type { GitHubClient, RepoCoordinates } from '../adapters/github/github-client.ts';
import { upsertStickyComment } from '../adapters/github/sticky-comment.ts';
import { publishCommentMarker } from '../domain/report/render-publish.ts';
import { renderMergedConfigError } from '../domain/report/render-merged-config-error.ts';
import type { ConfigError } from '../errors.ts';

/**
 * Reports a config that became invalid on the default branch where people look: a failing `Dockyard`
 * check run on the commit, and the publish note on the pull request that merged it.
 */
export async function reportMergedConfigError(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  job: { after: string; defaultBranch?: string },
  error: ConfigError,
): Promise<void> {
  const report = renderMergedConfigError(error.file, error.issues, job.after, job.defaultBranch ?? 'the default branch');
  const checkRun = await startCheckRun(octokit, repo, job.after, checkRunName);
  await completeCheckRun(octokit, repo, checkRun.id, { conclusion: 'failure', title: report.title, summary: report.summary, annotationBatches: report.annotationBatches });
  for (const number of await pullRequestsOfCommit(octokit, repo, job.after)) {
    await upsertStickyComment(octokit, repo, number, publishCommentMarker, `${publishCommentMarker}\n${report.note}`);
  }
}
