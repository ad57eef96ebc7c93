import type { GitHubClient, RepoCoordinates } from './github-client.ts';

/**
 * Keeps exactly one comment carrying `marker` on an issue or pull request: edits it in place if
 * it exists (the first one, if several), creates it otherwise.
 */
export async function upsertStickyComment(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  issueNumber: number,
  marker: string,
  body: string,
): Promise<void> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: issueNumber, per_page: 100 });
  const existing = comments.find((comment) => comment.body?.includes(marker) && comment.user?.type === 'Bot');
  if (existing) {
    if (existing.body === body) return;
    await octokit.rest.issues.updateComment({ ...repo, comment_id: existing.id, body });
  } else {
    await octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
  }
}
