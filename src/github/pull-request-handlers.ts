import type { Context } from 'probot';
import { checkRunName } from '../adapters/github/check-run.ts';
import type { OperatorSettings } from '../config/operator-schema.ts';
import { checkPullRequest, type PullRequestBuildDeps } from '../jobs/check-pull-request.ts';
import { pullRequestJob } from './pull-request-job.ts';

/** pull_request opened / synchronize / reopened / ready_for_review: check the head commit. */
export function onPullRequest(builds?: PullRequestBuildDeps, operator?: OperatorSettings) {
  return async (context: Context<'pull_request'>): Promise<void> => {
    const { pull_request: pr, repository } = context.payload;
    if (pr.state !== 'open') return;
    // GitHub's time of this event is when the head was first shown: approvals are judged against it.
    builds?.store.recordHead(repository.full_name, pr.number, pr.head.sha, pr.updated_at);
    await checkPullRequest(context.octokit, context.log, pullRequestJob(repository, pr.number, pr.head.sha, pr.head.repo?.id), builds, operator);
  };
}

/** check_run rerequested ("Re-run" in the Checks tab): check the same commit again. */
export function onCheckRunRerequested(builds?: PullRequestBuildDeps, operator?: OperatorSettings) {
  return async (context: Context<'check_run.rerequested'>): Promise<void> => {
    const { check_run: run, repository } = context.payload;
    if (run.name !== checkRunName) return;
    const pr = run.pull_requests[0];
    if (!pr) {
      // GitHub leaves pull_requests empty for runs on fork heads; a new push re-checks those.
      context.log.info({ checkRun: run.id }, 'rerequested check run has no pull request in this repository');
      return;
    }
    await checkPullRequest(context.octokit, context.log, pullRequestJob(repository, pr.number, run.head_sha, pr.head.repo.id), builds, operator);
  };
}
