import type { ChangedPath } from '../../domain/check/changed-images.ts';
import type { GitHubClient, RepoCoordinates } from './github-client.ts';

/** GitHub's compare API lists at most 300 files; past that Dockyard treats everything as changed. */
const compareFileLimit = 300;

/** Files changed between two commits, or `all` when GitHub cannot list them all (or there is no base). */
export async function listComparedPaths(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  base: string,
  head: string,
): Promise<ChangedPath[] | 'all'> {
  if (/^0+$/.test(base)) return 'all';
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `${base}...${head}`, per_page: 100 });
  const files = data.files ?? [];
  if (files.length >= compareFileLimit) return 'all';
  return files.map((file) => {
    const status = file.status === 'removed' ? 'removed' : file.status === 'renamed' ? 'renamed' : file.status === 'added' ? 'added' : 'modified';
    const change: ChangedPath = { path: file.filename, status };
    if (file.previous_filename) change.previousPath = file.previous_filename;
    return change;
  });
}

/** The pull requests a commit on the default branch came from (the merged PR of a merge commit). */
export async function pullRequestsOfCommit(octokit: GitHubClient, repo: RepoCoordinates, sha: string): Promise<number[]> {
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha });
  return data.filter((pr) => pr.merged_at !== null).map((pr) => pr.number);
}

/** True when a user may approve builds: admin, maintain or write permission on the repository. */
export async function canApproveBuilds(octokit: GitHubClient, repo: RepoCoordinates, username: string): Promise<boolean> {
  const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
  return ['admin', 'maintain', 'write'].includes(data.role_name ?? data.permission);
}
