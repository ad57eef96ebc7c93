import { mkdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import type { GitHubClient, RepoCoordinates } from './github-client.ts';

/**
 * Downloads a commit's tarball and unpacks the catalog folder into `target` (as `<target>/<catalog>/…`).
 * Symlinks are unpacked as links (the build refuses those that escape their image folder);
 * tar's own guards keep every entry inside `target`.
 */
export async function downloadCatalog(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  commitSha: string,
  catalogRoot: string,
  target: string,
): Promise<void> {
  const response = await octokit.rest.repos.downloadTarballArchive({ ...repo, ref: commitSha });
  const bytes = Buffer.from(response.data as ArrayBuffer);
  await mkdir(target, { recursive: true });
  const prefix = `${catalogRoot}/`;
  await pipeline(
    Readable.from([bytes]),
    tar.x({
      cwd: target,
      strip: 1,
      // The archive's top folder is `<owner>-<repo>-<sha>/`; keep only the catalog below it.
      filter: (entryPath) => {
        const inside = entryPath.split('/').slice(1).join('/');
        return inside.startsWith(prefix) || `${inside}/` === prefix;
      },
    }),
  );
}
