import type { PullRequestJob } from '../jobs/check-pull-request.ts';

/** The repository fields of a webhook payload that a pull request check needs. */
interface PayloadRepository {
  id: number;
  name: string;
  owner: { login: string };
  default_branch: string;
  html_url: string;
}

/**
 * The check job for a pull request head. The head is trusted (its code may be built) only when its
 * branch lives in this repository: a fork's head repository has another id.
 */
export function pullRequestJob(repository: PayloadRepository, number: number, headSha: string, headRepoId: number | undefined): PullRequestJob {
  return {
    owner: repository.owner.login,
    repo: repository.name,
    number,
    headSha,
    defaultBranch: repository.default_branch,
    trusted: headRepoId === repository.id,
    htmlUrl: repository.html_url,
  };
}
