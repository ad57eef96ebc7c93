import { isNotFound, type GitHubClient, type RepoCoordinates } from './github-client.ts';

/** Reads one file's bytes at a ref; null when the file does not exist there. */
export async function readRepoFile(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  path: string,
  ref: string,
): Promise<Uint8Array | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref });
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return null;
    return Buffer.from(data.content, 'base64');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
