import type { StateStore } from '../adapters/state/state-store.ts';
import { publishJobKey, registerJobKey } from '../jobs/job-keys.ts';
import type { JobQueue } from '../jobs/job-queue.ts';

/** What `/dockyard retry` did for one job of a commit of the default branch. */
export interface CommitJobRetry {
  job: 'publish' | 'Jenkins registration';
  outcome: 'requeued' | 'not-failed' | 'not-recorded';
}

/**
 * Re-queues the publish and Jenkins registration of a commit of the default branch where they failed:
 * a job given up or waiting to retry starts now with a fresh count of attempts, and a finished publish
 * runs again when an image of the commit is recorded as failed (its publish is idempotent: what was
 * pushed is not pushed twice).
 */
export function retryCommitJobs(store: Pick<StateStore, 'job' | 'publishesOf'>, queue: Pick<JobQueue, 'retry'>, repo: string, commit: string): CommitJobRetry[] {
  const failed = (key: string, alsoWhen: boolean): CommitJobRetry['outcome'] => {
    const job = store.job(key);
    if (!job) return 'not-recorded';
    if (job.state !== 'gave-up' && job.state !== 'retrying' && !(job.state === 'done' && alsoWhen)) return 'not-failed';
    return queue.retry(key) ? 'requeued' : 'not-recorded';
  };
  const imageFailed = store.publishesOf(repo, commit).some((record) => record.status === 'failed');
  return [
    { job: 'publish', outcome: failed(publishJobKey(repo, commit), imageFailed) },
    { job: 'Jenkins registration', outcome: failed(registerJobKey(repo, commit), false) },
  ];
}
