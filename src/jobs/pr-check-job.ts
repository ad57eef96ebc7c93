import type { Logger } from 'pino';
import { completeCheckRun, findOpenCheckRun, markCheckRunInProgress, noteCheckRunProgress, queueCheckRun } from '../adapters/github/check-run.ts';
import type { GitHubClient } from '../adapters/github/github-client.ts';
import type { JobRecord, StateStore } from '../adapters/state/state-store.ts';
import type { OperatorSettings } from '../config/operator-schema.ts';
import { isRetryable } from '../errors.ts';
import { redact } from '../logging/secrets.ts';
import { checkPullRequest, completeUnfinished, type CheckRunRef, type PullRequestBuildDeps, type PullRequestJob } from './check-pull-request.ts';
import type { JobQueue } from './job-queue.ts';

/** The job kind that checks a pull request head. */
export const pullRequestCheckKind = 'pr-check';

/** A recorded pull request check, as the job stores it. */
export interface PullRequestCheckPayload {
  job: PullRequestJob;
  installationId: number;
  /** The delivery that recorded it, for the logs. */
  delivery: string;
  /** The check run reporting it, once made: a retry after a restart completes the same one. */
  checkRun?: CheckRunRef;
}

/** A pull request head seen in a webhook: what to check, and when GitHub says it became the head. */
export interface PullRequestHead {
  job: PullRequestJob;
  installationId: number;
  delivery: string;
  /** GitHub's time of the event (`pull_request.updated_at`): a later one wins when deliveries cross. */
  at: string;
}

/** A head to check again at someone's request. */
export interface PullRequestRecheck {
  job: PullRequestJob;
  installationId: number;
  delivery: string;
  /** Why it is checked again, for the logs and for a check of it that was running. */
  reason: string;
  /** The pull request's `updated_at` when GitHub's API just said `job.headSha` is its head. */
  at?: string;
}

export interface PullRequestCheckDeps {
  store: StateStore;
  queue: JobQueue;
  /** An installation's client, for the work done after the webhook was answered. */
  auth: (installationId: number) => Promise<GitHubClient>;
  log: Logger;
  builds?: PullRequestBuildDeps;
  operator?: OperatorSettings;
}

/** Checks of one pull request run one at a time: its lane. */
export function pullRequestLane(job: Pick<PullRequestJob, 'owner' | 'repo' | 'number'>): string {
  return `${job.owner}/${job.repo}#${job.number}`;
}

/** One check per pull request head, whatever delivers it. */
export function pullRequestCheckKey(job: Pick<PullRequestJob, 'owner' | 'repo' | 'number' | 'headSha'>): string {
  return `${pullRequestCheckKind}:${pullRequestLane(job)}@${job.headSha}`;
}

/**
 * Pull request checks from the durable queue. A webhook only records the check (`record`, no network
 * wait) and its check run is made in the background, queued; the job (`run`) then does the work in the
 * pull request's lane, so one pull request's checks never overlap. A newer head supersedes an older
 * one: the older job, queued or running, is aborted and concludes its check run as superseded.
 */
export class PullRequestChecks {
  readonly #deps: PullRequestCheckDeps;
  /** Check runs being made for recorded jobs, by job key, so the job waits for them instead of making another. */
  readonly #creating = new Map<string, Promise<CheckRunRef | undefined>>();

  constructor(deps: PullRequestCheckDeps) {
    this.#deps = deps;
    deps.queue.register(pullRequestCheckKind, (payload, job, signal) => this.#run(payload as PullRequestCheckPayload, job, signal));
  }

  /**
   * Records the check of a pull request head, once per delivery and once per head, and supersedes the
   * older heads' checks. Synchronous up to the request that makes the check run, which it does not wait for.
   */
  record(octokit: GitHubClient, head: PullRequestHead): 'duplicate-delivery' | 'recorded' | 'already-recorded' {
    const { store, queue } = this.#deps;
    if (store.hasDelivery(head.delivery)) return 'duplicate-delivery';
    const { job } = head;
    const fullName = `${job.owner}/${job.repo}`;
    // GitHub's time of this event is when the head was first shown: approvals are judged against it.
    store.recordHead(fullName, job.number, job.headSha, head.at);
    const tip = store.recordPullRequestTip(fullName, job.number, job.headSha, head.at);
    const key = pullRequestCheckKey(job);
    const payload: PullRequestCheckPayload = { job, installationId: head.installationId, delivery: head.delivery };
    let added = queue.enqueue(pullRequestCheckKind, key, payload, pullRequestLane(job));
    // A head checked before (reopened, ready for review) is checked again, on a new check run; one
    // recorded and not finished yet is that check.
    const state = added ? undefined : store.job(key)?.state;
    const again = state === 'done' || state === 'gave-up';
    if (again) {
      store.updateJobPayload(key, payload);
      added = true;
    }
    store.recordDelivery(head.delivery);
    if (added && tip === job.headSha) this.#createCheckRun(octokit, key, job);
    if (again) queue.retry(key);
    if (tip === job.headSha) queue.abort(pullRequestLane(job), `superseded by ${job.headSha.slice(0, 7)}`, key);
    return added ? 'recorded' : 'already-recorded';
  }

  /**
   * Checks a head again at someone's request (a maintainer's approval, Re-run, `/dockyard retry`), from
   * the queue, in the pull request's lane, on a new check run when its last check finished. A check of the
   * head waiting to try again runs now, and one running starts over, so it sees what changed (the approval
   * its build needs); one still queued is that check. When GitHub's API has just said this is the head,
   * `at` (the pull request's `updated_at` then) makes it the tip; the time the head was first shown, which
   * approvals are judged by, is left alone. Synchronous up to the request that makes the check run.
   */
  recheck(octokit: GitHubClient, request: PullRequestRecheck): 'duplicate-delivery' | 'recorded' | 'already-recorded' {
    const { store, queue } = this.#deps;
    if (store.hasDelivery(request.delivery)) return 'duplicate-delivery';
    const { job } = request;
    const fullName = `${job.owner}/${job.repo}`;
    const tip = request.at ? store.recordPullRequestTip(fullName, job.number, job.headSha, request.at) : store.pullRequestTip(fullName, job.number);
    const key = pullRequestCheckKey(job);
    const lane = pullRequestLane(job);
    const payload: PullRequestCheckPayload = { job, installationId: request.installationId, delivery: request.delivery };
    const state = store.job(key)?.state;
    const added = queue.enqueue(pullRequestCheckKind, key, payload, lane);
    const again = !added && (state === 'done' || state === 'gave-up');
    if (again) store.updateJobPayload(key, payload);
    store.recordDelivery(request.delivery);
    // A head that is no longer the tip still gets its check run: its job concludes it as superseded.
    if (added || again) this.#createCheckRun(octokit, key, job);
    if (again || state === 'retrying') queue.retry(key);
    // Older heads' checks are superseded; a running check of this head starts over.
    if (tip === undefined || tip === job.headSha) queue.abort(lane, request.reason, added || again ? key : undefined);
    return added || again ? 'recorded' : 'already-recorded';
  }

  #createCheckRun(octokit: GitHubClient, key: string, job: PullRequestJob): void {
    const creating = queueCheckRun(octokit, { owner: job.owner, repo: job.repo }, job.headSha)
      .then((checkRun) => {
        this.#remember(key, checkRun);
        return checkRun;
      })
      .catch((error: unknown) => {
        // The job makes it when it starts.
        this.#deps.log.warn({ job: key, error: redact(String((error as Error).message)) }, 'could not make the queued check run');
        return undefined;
      })
      .finally(() => this.#creating.delete(key));
    this.#creating.set(key, creating);
  }

  #remember(key: string, checkRun: CheckRunRef): void {
    const payload = this.#deps.store.jobPayload(key) as PullRequestCheckPayload | undefined;
    if (payload) this.#deps.store.updateJobPayload(key, { ...payload, checkRun });
  }

  /** The job's check run: recorded, being made, left open before a restart, or made now (unless `create` is false). */
  async #checkRunFor(octokit: GitHubClient, key: string, payload: PullRequestCheckPayload, create: boolean): Promise<CheckRunRef | undefined> {
    const known = payload.checkRun ?? (await this.#creating.get(key)) ?? (this.#deps.store.jobPayload(key) as PullRequestCheckPayload | undefined)?.checkRun;
    if (known) return known;
    const repo = { owner: payload.job.owner, repo: payload.job.repo };
    // Made before a restart whose id was not recorded yet: report on it rather than leave it open forever.
    const found = await findOpenCheckRun(octokit, repo, payload.job.headSha);
    const checkRun = found ?? (create ? await queueCheckRun(octokit, repo, payload.job.headSha) : undefined);
    if (checkRun) this.#remember(key, checkRun);
    return checkRun;
  }

  async #run(payload: PullRequestCheckPayload, record: JobRecord, signal: AbortSignal): Promise<void> {
    const { store, queue, builds, operator } = this.#deps;
    const { job } = payload;
    const repo = { owner: job.owner, repo: job.repo };
    const octokit = await this.#deps.auth(payload.installationId);
    const log = this.#deps.log.child({ repo: `${job.owner}/${job.repo}`, pr: job.number, head: job.headSha.slice(0, 7), delivery: payload.delivery });
    const tip = store.pullRequestTip(`${job.owner}/${job.repo}`, job.number);
    const superseded = tip !== undefined && tip !== job.headSha;
    const checkRun = await this.#checkRunFor(octokit, record.key, payload, !superseded);
    if (superseded) {
      if (checkRun) {
        await completeCheckRun(octokit, repo, checkRun.id, {
          conclusion: 'neutral',
          title: `Superseded by ${tip.slice(0, 7)}`,
          summary: `A newer commit, \`${tip.slice(0, 7)}\`, is the head of this pull request now; Dockyard checks that one instead of \`${job.headSha.slice(0, 7)}\`.`,
          annotationBatches: [],
        });
      }
      log.info({ by: tip.slice(0, 7) }, 'pull request check superseded');
      return;
    }
    if (!checkRun) return;
    signal.throwIfAborted();
    await markCheckRunInProgress(octokit, repo, checkRun.id);
    const retrying = !queue.isLastAttempt(record);
    let result;
    try {
      result = await checkPullRequest(octokit, log, job, builds, operator, { checkRun, signal, retrying, throwUnfinished: true });
    } catch (error) {
      if (signal.aborted) throw error;
      if (isRetryable(error) && retrying) {
        const message = redact((error as Error).message);
        await noteCheckRunProgress(octokit, repo, checkRun.id, 'Dockyard: waiting to try again', `Dockyard could not finish this check yet: ${message}\n\nThis is not a finding about your change. Dockyard tries again on its own and completes this check run.`);
        throw error;
      }
      log.error({ err: error }, 'check failed');
      await completeUnfinished(octokit, repo, checkRun.id, error);
      return;
    }
    // Policy and lint are reported; the builds an outside failure stopped are tried again.
    if (result.outsideFailure && retrying) throw result.outsideFailure;
  }
}
