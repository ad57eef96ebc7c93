import { mkdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import type { GitHubClient, RepoCoordinates } from './github-client.ts';

/**
 * Downloads a commit's tarball and unpacks the catalog folder into `target` (as `<target>/<catalog>/…`).
 * Symlinks inside an image folder are unpacked as links (the build refuses those that escape
 * it); an image folder that is itself a link is left out; tar's own guards keep every entry inside `target`.
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
      filter: (entryPath, entry) => {
        const inside = entryPath.split('/').slice(1).join('/').replace(/\/$/, '');
        if (!inside.startsWith(prefix) && inside !== catalogRoot) return false;
        // A catalog or image folder that is a link is a finding, never built: unpacked, it would
        // point the build outside the workspace.
        const depth = inside === catalogRoot ? 0 : inside.slice(prefix.length).split('/').length;
        return !(depth <= 1 && 'type' in entry && entry.type === 'SymbolicLink');
      },
    }),
  );
}
