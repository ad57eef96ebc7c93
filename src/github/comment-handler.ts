import type { Context } from 'probot';
import { canApproveBuilds } from '../adapters/github/compare-commits.ts';
import type { StateStore } from '../adapters/state/state-store.ts';
import type { OperatorSettings } from '../config/operator-schema.ts';
import { buildCommand, checkPullRequest, type PullRequestBuildDeps } from '../jobs/check-pull-request.ts';
import { decideApproval, parseBuildCommand } from './build-approval.ts';
import { pullRequestJob } from './pull-request-job.ts';

/**
 * issue_comment created on a pull request with `/dockyard build [<sha>]`: if the author may write to
 * the repository, approve building the head commit they saw (see `decideApproval`; a later push needs
 * a new approval), then check it again with builds. Anyone else gets a reply saying who can approve.
 */
export function onBuildCommand(store: StateStore, builds: PullRequestBuildDeps | undefined, operator?: OperatorSettings) {
  return async (context: Context<'issue_comment.created'>): Promise<void> => {
    const { comment, issue, repository } = context.payload;
    const command = parseBuildCommand(comment.body);
    if (!issue.pull_request || !command) return;
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
    const decision = decideApproval(store, {
      repo: repository.full_name,
      pr: issue.number,
      head: pr.head.sha,
      commentedAt: comment.created_at,
      command,
    });
    if (!decision.approve) {
      context.log.info({ pr: issue.number, head: pr.head.sha, approver: login }, 'build approval refused: not bound to the head');
      await context.octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: `@${login} ${decision.reply}` });
      return;
    }
    store.approve({ repo: repository.full_name, pr: issue.number, sha: decision.sha, approvedBy: login });
    context.log.info({ pr: issue.number, sha: pr.head.sha, approvedBy: login }, 'build approved');
    await checkPullRequest(context.octokit, context.log, pullRequestJob(repository, issue.number, pr.head.sha, pr.head.repo?.id), builds, operator);
  };
}
