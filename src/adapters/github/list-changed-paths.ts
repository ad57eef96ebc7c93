import type { ChangedPath } from '../../domain/check/changed-images.ts';
import type { GitHubClient, RepoCoordinates } from './github-client.ts';

/** Lists the files a pull request changes (GitHub returns at most 3,000). */
export async function listChangedPaths(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  pullNumber: number,
): Promise<ChangedPath[]> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, { ...repo, pull_number: pullNumber, per_page: 100 });
  return files.map((file) => {
    const status = file.status === 'removed' ? 'removed' : file.status === 'renamed' ? 'renamed' : file.status === 'added' ? 'added' : 'modified';
    const change: ChangedPath = { path: file.filename, status };
    if (file.previous_filename) change.previousPath = file.previous_filename;
    return change;
  });
}
