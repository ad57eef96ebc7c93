import { mkdir } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { downloadTarball, repositoryPath } from './download-tarball.ts';
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
  const archive = await downloadTarball(octokit, repo, commitSha);
  await mkdir(target, { recursive: true });
  const prefix = `${catalogRoot}/`;
  await pipeline(
    archive,
    tar.x({
      cwd: target,
      strip: 1,
      // Keep only the catalog below the archive's top folder.
      filter: (entryPath, entry) => {
        const inside = repositoryPath(entryPath);
        if (!inside.startsWith(prefix) && inside !== catalogRoot) return false;
        // A catalog or image folder that is a link is a finding, never built: unpacked, it would
        // point the build outside the workspace.
        const depth = inside === catalogRoot ? 0 : inside.slice(prefix.length).split('/').length;
        return !(depth <= 1 && 'type' in entry && entry.type === 'SymbolicLink');
      },
    }),
  );
}
