import type { Context } from 'probot';
import { canApproveBuilds } from '../adapters/github/compare-commits.ts';
import type { StateStore } from '../adapters/state/state-store.ts';
import { buildCommand, checkPullRequest, type PullRequestBuildDeps } from '../jobs/check-pull-request.ts';
import { pullRequestJob } from './pull-request-job.ts';

/**
 * issue_comment created on a pull request with `/dockyard build`: if the author may write to the
 * repository, approve building that pull request's CURRENT head commit (a later push needs a new
 * approval), then check it again with builds. Anyone else gets a reply saying who can approve.
 */
export function onBuildCommand(store: StateStore, builds: PullRequestBuildDeps | undefined) {
  return async (context: Context<'issue_comment.created'>): Promise<void> => {
    const { comment, issue, repository } = context.payload;
    if (!issue.pull_request || comment.body.trim() !== buildCommand) return;
    if (comment.user?.type === 'Bot') return;
    const repo = { owner: repository.owner.login, repo: repository.name };
    const login = comment.user?.login ?? '';
    if (!(await canApproveBuilds(context.octokit, repo, login))) {
      await context.octokit.rest.issues.createComment({
        ...repo,
        issue_number: issue.number,
        body: `@${login} only people with write access to ${repository.full_name} can approve building a pull request from a fork. Ask a maintainer to comment \`${buildCommand}\`.`,
      });
      return;
    }
    const { data: pr } = await context.octokit.rest.pulls.get({ ...repo, pull_number: issue.number });
    store.approve({ repo: repository.full_name, pr: issue.number, sha: pr.head.sha, approvedBy: login });
    context.log.info({ pr: issue.number, sha: pr.head.sha, approvedBy: login }, 'build approved');
    await checkPullRequest(context.octokit, context.log, pullRequestJob(repository, issue.number, pr.head.sha, pr.head.repo?.id), builds);
  };
}
