import type { Context } from 'probot';
import { canApproveBuilds } from '../adapters/github/compare-commits.ts';
import type { RepoCoordinates } from '../adapters/github/github-client.ts';
import type { StateStore } from '../adapters/state/state-store.ts';
import { inlineCode, truncate } from '../domain/report/markdown.ts';
import { buildCommand } from '../jobs/check-pull-request.ts';
import { rollbackJobKey } from '../jobs/job-keys.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { PullRequestChecks } from '../jobs/pr-check-job.ts';
import { rollbackJobKind, rollbackRefusal, type RollbackJob } from '../jobs/rollback-image.ts';
import { decideApproval } from './build-approval.ts';
import { commandHelp, parseCommand, type DockyardCommand } from './commands.ts';
import { pullRequestJob } from './pull-request-job.ts';
import { retryCommitJobs } from './retry-commit-jobs.ts';

/** What the comment commands act on. */
export interface CommandDeps {
  store: StateStore;
  queue: JobQueue;
  /** Pull request checks: a command that checks a head again records it there, for the queue. */
  checks: Pick<PullRequestChecks, 'recheck'>;
}

type CommentContext = Context<'issue_comment.created'>;

/** Says who may do what a command asks, for those who may not. */
const restricted: Record<'build' | 'retry' | 'rollback', (repo: string) => string> = {
  build: (repo) => `only people with write access to ${repo} can approve building a pull request from a fork. Ask a maintainer to comment \`${buildCommand}\`.`,
  retry: (repo) => `only people with write access to ${repo} can retry Dockyard's checks and publishing. Ask a maintainer to comment \`/dockyard retry\`.`,
  rollback: (repo) => `only people with write access to ${repo} can roll an image back.`,
};

/**
 * issue_comment created on a pull request starting with `/dockyard`: runs the command (see
 * `commandHelp`). Commands that build, re-run or roll back need write access to the repository;
 * anyone else, and anyone writing a command Dockyard does not know, gets a reply saying what to do.
 * Replies quote what was written only as inert code.
 */
export function onComment(deps: CommandDeps) {
  return async (context: CommentContext): Promise<void> => {
    const { comment, issue, repository } = context.payload;
    if (!issue.pull_request || comment.user?.type === 'Bot') return;
    const command = parseCommand(comment.body);
    if (!command) return;
    const repo = { owner: repository.owner.login, repo: repository.name };
    const login = comment.user?.login ?? '';
    const reply = (text: string) => context.octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: `@${login} ${text}` });
    if (command.kind === 'help') {
      await reply(`Dockyard's commands, each in a comment of its own:\n\n${commandHelp.map((entry) => `- \`${entry.usage}\`: ${entry.description}`).join('\n')}`);
      return;
    }
    if (command.kind === 'unknown') {
      await reply(`${inlineCode(`/dockyard ${truncate(command.name, 40)}`)} is not a Dockyard command. Comment \`/dockyard help\` to list them.`);
      return;
    }
    if (command.kind === 'usage') {
      await reply(`that is not how \`/dockyard ${command.name}\` is written: ${inlineCode(command.usage)}. Comment \`/dockyard help\` to list the commands.`);
      return;
    }
    if (!(await canApproveBuilds(context.octokit, repo, login))) {
      context.log.info({ pr: issue.number, command: command.kind, login }, 'command refused: no write access');
      await reply(restricted[command.kind](repository.full_name));
      return;
    }
    await run(deps, context, repo, command, reply);
  };
}

async function run(
  deps: CommandDeps,
  context: CommentContext,
  repo: RepoCoordinates,
  command: Extract<DockyardCommand, { kind: 'build' | 'retry' | 'rollback' }>,
  reply: (text: string) => Promise<unknown>,
): Promise<void> {
  const { comment, issue, repository, installation } = context.payload;
  const login = comment.user?.login ?? '';
  if (command.kind === 'rollback') {
    const refusal = rollbackRefusal(deps.store, repository.full_name, command.image, command.tag);
    if (refusal) {
      await reply(`Dockyard did not roll back: ${refusal}`);
      return;
    }
    const job: RollbackJob = {
      owner: repo.owner,
      repo: repo.repo,
      image: command.image,
      tag: command.tag,
      requestedBy: login,
      installationId: installation?.id ?? 0,
      defaultBranch: repository.default_branch,
      issue: issue.number,
    };
    // One job per comment: a redelivered webhook adds no second rollback.
    const added = deps.queue.enqueue(rollbackJobKind, rollbackJobKey(repository.full_name, command.image, comment.id), job, repository.full_name);
    context.log.info({ pr: issue.number, image: command.image, tag: command.tag, requestedBy: login, added }, 'rollback recorded');
    if (added) await reply(`rolling back ${inlineCode(command.image)} to ${inlineCode(command.tag)}; Dockyard reports here when it is done.`);
    return;
  }
  const { data: pr } = await context.octokit.rest.pulls.get({ ...repo, pull_number: issue.number });
  // The queue checks the head, in the pull request's lane: never here, beside a check already recorded.
  const recheck = (reason: string) =>
    deps.checks.recheck(context.octokit, {
      job: pullRequestJob(repository, issue.number, pr.head.sha, pr.head.repo?.id),
      installationId: installation?.id ?? 0,
      delivery: context.id,
      reason,
      ...(pr.updated_at ? { at: pr.updated_at } : {}),
    });
  if (command.kind === 'build') {
    const decision = decideApproval(deps.store, { repo: repository.full_name, pr: issue.number, head: pr.head.sha, commentedAt: comment.created_at, command });
    if (!decision.approve) {
      context.log.info({ pr: issue.number, head: pr.head.sha, approver: login }, 'build approval refused: not bound to the head');
      await reply(decision.reply);
      return;
    }
    deps.store.approve({ repo: repository.full_name, pr: issue.number, sha: decision.sha, approvedBy: login });
    const outcome = recheck(`approved by ${login}`);
    context.log.info({ pr: issue.number, sha: pr.head.sha, approvedBy: login, outcome }, 'build approved');
    return;
  }
  if (pr.merged && pr.merge_commit_sha) {
    await reply(retryMerged(deps, repository.full_name, pr.merge_commit_sha));
    return;
  }
  if (pr.state !== 'open') {
    await reply('this pull request was closed without being merged: there is nothing to retry.');
    return;
  }
  const outcome = recheck(`retried by ${login}`);
  context.log.info({ pr: issue.number, head: pr.head.sha, requestedBy: login, outcome }, 'check retried');
}

/** Re-queues what failed for a merged pull request's commit, and says what that was. */
function retryMerged(deps: CommandDeps, repo: string, commit: string): string {
  const results = retryCommitJobs(deps.store, deps.queue, repo, commit);
  const short = inlineCode(commit.slice(0, 7));
  const requeued = results.filter((result) => result.outcome === 'requeued').map((result) => result.job);
  if (requeued.length > 0) return `running the ${requeued.join(' and the ')} of ${short} again; the checks on that commit show the result.`;
  if (results.every((result) => result.outcome === 'not-recorded')) {
    return `Dockyard has no record of publishing ${short}, the commit this pull request was merged as. A push to the default branch records one.`;
  }
  return `nothing failed for ${short}: there is nothing to retry. To run a check again anyway, use Re-run on it.`;
}
