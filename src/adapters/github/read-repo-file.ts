import { ConfigError } from '../../errors.ts';
import { isNotFound, type GitHubClient, type RepoCoordinates } from './github-client.ts';

/** Settings files larger than this are refused unread; none of Dockyard's is ever close. */
const maxRepoFileBytes = 1024 * 1024;

/**
 * Reads one settings file's bytes at a ref; null when the file does not exist there. A symlink, or
 * a file larger than Dockyard reads, is a ConfigError naming the file: its content is never used.
 */
export async function readRepoFile(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  path: string,
  ref: string,
): Promise<Uint8Array | null> {
  const refuse = (message: string) => new ConfigError(path, [{ field: '', line: 1, message }]);
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref });
    if (Array.isArray(data)) return null;
    // GitHub answers a symlink to a file of the repository with that file, under the file's own path.
    if (data.type === 'symlink' || (typeof data.path === 'string' && data.path !== path)) {
      const target = 'target' in data && typeof data.target === 'string' ? data.target : data.path;
      throw refuse(`is a symlink (to \`${target}\`); Dockyard reads only files committed in the repository, never what a link points to. Commit the file itself.`);
    }
    if (data.type !== 'file' || !('content' in data)) return null;
    // Above 1 MB the API leaves the content out (encoding "none"); below, it is base64.
    if (data.size > maxRepoFileBytes || data.encoding !== 'base64') {
      throw refuse(`is ${data.size} bytes, more than Dockyard reads of a settings file (1 MiB); keep only what Dockyard uses.`);
    }
    return Buffer.from(data.content, 'base64');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
