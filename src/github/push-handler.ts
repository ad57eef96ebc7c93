import type { Context } from 'probot';
import { publishJobKey, publishJobKind } from '../jobs/job-keys.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { PublishJob } from '../jobs/publish-commit.ts';

export { publishJobKind } from '../jobs/job-keys.ts';

/** push to the default branch: record a publish job for the new head (once per commit). */
export function onPush(queue: JobQueue) {
  return async (context: Context<'push'>): Promise<void> => {
    const { ref, repository, before, after, deleted, head_commit: head, installation } = context.payload;
    if (deleted || ref !== `refs/heads/${repository.default_branch}`) return;
    const job: PublishJob & { installationId: number } = {
      owner: repository.owner?.login ?? repository.full_name.split('/')[0] ?? '',
      repo: repository.name,
      before,
      after,
      committedAt: head?.timestamp ?? new Date().toISOString(),
      htmlUrl: repository.html_url,
      defaultBranch: repository.default_branch,
      installationId: installation?.id ?? 0,
    };
    const added = queue.enqueue(publishJobKind, publishJobKey(repository.full_name, after), job, repository.full_name);
    context.log.info({ commit: after, added }, added ? 'publish recorded' : 'publish already recorded');
  };
}
