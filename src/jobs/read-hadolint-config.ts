import type { GitHubClient, RepoCoordinates } from '../adapters/github/github-client.ts';
import { readRepoFile } from '../adapters/github/read-repo-file.ts';
import { hadolintConfigFiles } from './lint-dockerfiles.ts';

/** The repository's hadolint config at `ref` (the first of `.hadolint.yaml`, `.hadolint.yml`), if any. */
export async function readHadolintConfig(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  ref: string,
): Promise<{ path: string; bytes: Uint8Array } | undefined> {
  for (const path of hadolintConfigFiles) {
    const bytes = await readRepoFile(octokit, repo, path, ref);
    if (bytes) return { path, bytes };
  }
  return undefined;
}
