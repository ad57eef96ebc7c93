import type { Context } from 'probot';
import { checkRunName } from '../adapters/github/check-run.ts';
import { checkPullRequest, type PullRequestBuildDeps } from '../jobs/check-pull-request.ts';

/** pull_request opened / synchronize / reopened / ready_for_review: check the head commit. */
export function onPullRequest(builds?: PullRequestBuildDeps) {
  return async (context: Context<'pull_request'>): Promise<void> => {
    const { pull_request: pr, repository } = context.payload;
    if (pr.state !== 'open') return;
    await checkPullRequest(
      context.octokit,
      context.log,
      {
        owner: repository.owner.login,
        repo: repository.name,
        number: pr.number,
        headSha: pr.head.sha,
        defaultBranch: repository.default_branch,
        trusted: pr.head.repo?.id === repository.id,
        htmlUrl: repository.html_url,
      },
      builds,
    );
  };
}

/** check_run rerequested ("Re-run" in the Checks tab): check the same commit again. */
export function onCheckRunRerequested(builds?: PullRequestBuildDeps) {
  return async (context: Context<'check_run.rerequested'>): Promise<void> => {
    const { check_run: run, repository } = context.payload;
    if (run.name !== checkRunName) return;
    const pr = run.pull_requests[0];
    if (!pr) {
      // GitHub leaves pull_requests empty for runs on fork heads; a new push re-checks those.
      context.log.info({ checkRun: run.id }, 'rerequested check run has no pull request in this repository');
      return;
    }
    await checkPullRequest(
      context.octokit,
      context.log,
      {
        owner: repository.owner.login,
        repo: repository.name,
        number: pr.number,
        headSha: run.head_sha,
        defaultBranch: repository.default_branch,
        trusted: pr.head.repo.id === repository.id,
        htmlUrl: repository.html_url,
      },
      builds,
    );
  };
}
