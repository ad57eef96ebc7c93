import type { Context } from 'probot';
import { checkRunName } from '../adapters/github/check-run.ts';
import { canApproveBuilds } from '../adapters/github/compare-commits.ts';
import { isNotFound, type RepoCoordinates } from '../adapters/github/github-client.ts';
import { publishJobKey, registerJobKey, registerJobKind } from '../jobs/job-keys.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { publishCheckName } from '../jobs/publish-commit.ts';
import { registerCheckName, type RegisterJob } from '../jobs/register-jenkins.ts';
import type { PullRequestChecks } from '../jobs/pr-check-job.ts';
import { pullRequestJob } from './pull-request-job.ts';

/**
 * pull_request opened / synchronize / reopened / ready_for_review: record the check of the head commit
 * and answer; the queue does the work (see `PullRequestChecks`).
 */
export function onPullRequest(checks: Pick<PullRequestChecks, 'record'>) {
  return async (context: Context<'pull_request'>): Promise<void> => {
    const { pull_request: pr, repository } = context.payload;
    if (pr.state !== 'open') return;
    const installation = 'installation' in context.payload ? context.payload.installation : undefined;
    const job = pullRequestJob(repository, pr.number, pr.head.sha, pr.head.repo?.id);
    const outcome = checks.record(context.octokit, { job, installationId: installation?.id ?? 0, delivery: context.id, at: pr.updated_at });
    context.log.info({ pr: pr.number, head: pr.head.sha.slice(0, 7), outcome }, 'pull request check recorded');
  };
}

/** What re-running a publish or a Jenkins registration needs: the queue that holds those jobs. */
export type RerunQueue = Pick<JobQueue, 'retry' | 'enqueue'>;

/**
 * check_run rerequested ("Re-run" in the Checks tab): record a new check of the same commit for the queue
 * (see `PullRequestChecks.recheck`), or, for the `Dockyard publish` and `Dockyard Jenkins` runs on the
 * default branch, run that commit's publish or registration job again (one given up starts over). Those
 * are honoured only from someone with write access: GitHub shows Re-run to them, but any app with read
 * access may ask for a re-run through the API.
 */
export function onCheckRunRerequested(checks: Pick<PullRequestChecks, 'recheck'>, queue?: RerunQueue) {
  return async (context: Context<'check_run.rerequested'>): Promise<void> => {
    const { check_run: run, repository } = context.payload;
    if (queue && (run.name === publishCheckName || run.name === registerCheckName)) {
      await rerunCommitJob(context, queue, run.name === publishCheckName ? 'publish' : 'register');
      return;
    }
    if (run.name !== checkRunName) return;
    const pr = run.pull_requests[0];
    if (!pr) {
      // GitHub leaves pull_requests empty for runs on fork heads; a new push re-checks those.
      context.log.info({ checkRun: run.id }, 'rerequested check run has no pull request in this repository');
      return;
    }
    const installation = context.payload.installation;
    const outcome = checks.recheck(context.octokit, {
      job: pullRequestJob(repository, pr.number, run.head_sha, pr.head.repo.id),
      installationId: installation?.id ?? 0,
      delivery: context.id,
      reason: `re-run by ${context.payload.sender.login}`,
    });
    context.log.info({ pr: pr.number, head: run.head_sha.slice(0, 7), outcome }, 'check re-run recorded');
  };
}

async function rerunCommitJob(context: Context<'check_run.rerequested'>, queue: RerunQueue, kind: 'publish' | 'register'): Promise<void> {
  const { check_run: run, repository, sender, installation } = context.payload;
  const repo = { owner: repository.owner.login, repo: repository.name };
  const commit = run.head_sha;
  if (!(await mayRerun(context, repo, sender.login))) {
    context.log.info({ commit, kind, sender: sender.login }, 're-run refused: the sender has no write access');
    return;
  }
  if (kind === 'publish') {
    const found = queue.retry(publishJobKey(repository.full_name, commit));
    context.log.info({ commit, requestedBy: sender.login }, found ? 'publish re-queued' : 'no publish recorded for this commit; nothing re-run');
    return;
  }
  // Registration renders the repository's published state as it is now, so a new job does the same as the old one.
  const key = registerJobKey(repository.full_name, commit);
  const job: RegisterJob = { owner: repo.owner, repo: repo.repo, commit, installationId: installation?.id ?? 0 };
  const requeued = queue.retry(key) || queue.enqueue(registerJobKind, key, job, repository.full_name);
  context.log.info({ commit, requestedBy: sender.login, requeued }, 'Jenkins registration re-queued');
}

/** Whether `login` has write access; a login GitHub does not know as a collaborator (an app's bot) has not. */
async function mayRerun(context: Context<'check_run.rerequested'>, repo: RepoCoordinates, login: string): Promise<boolean> {
  try {
    return await canApproveBuilds(context.octokit, repo, login);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
