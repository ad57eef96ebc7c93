import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { OutsideError } from '../../errors.ts';
import type { GitHubClient, RepoCoordinates } from './github-client.ts';

/**
 * Starts downloading a commit's gzipped tarball and hands back its bytes as a stream, so no consumer
 * holds the whole archive in memory. One REST request: GitHub answers `GET /repos/{owner}/{repo}/tarball/{ref}`
 * with a 302 to codeload.github.com, which fetch follows
 * (docs.github.com/rest/repos/contents#download-a-repository-archive-tar).
 */
export async function downloadTarball(octokit: GitHubClient, repo: RepoCoordinates, ref: string): Promise<Readable> {
  const response = await octokit.rest.repos.downloadTarballArchive({ ...repo, ref, request: { parseSuccessResponseBody: false } });
  const body = response.data as unknown as ReadableStream<Uint8Array> | null;
  if (!body) throw new OutsideError('github', `GitHub answered the archive of ${ref.slice(0, 12)} without a body; try again.`);
  return Readable.fromWeb(body);
}

/**
 * A tarball entry's path inside the repository: GitHub puts every file under one top folder,
 * `<owner>-<repo>-<short sha>/`, whose exact name Dockyard does not rely on.
 */
export function repositoryPath(entryPath: string): string {
  return entryPath.split('/').slice(1).join('/').replace(/\/$/, '');
}
