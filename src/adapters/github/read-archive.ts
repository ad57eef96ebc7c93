import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { downloadTarball, repositoryPath } from './download-tarball.ts';
import type { GitHubClient, RepoCoordinates } from './github-client.ts';

/** A blob the tree lists, wanted from the archive: where it is, and what the tree says it is. */
export interface WantedBlob {
  /** Path inside the repository. */
  path: string;
  sha: string;
  /** Bytes, as the tree lists them; already judged against Dockyard's limit for the file. */
  size: number;
  /** Mode 120000: the blob is the link's target, which the archive keeps as the entry's link name. */
  symlink: boolean;
}

/**
 * Takes the wanted blobs out of one download of the commit's tarball, by git blob sha. The archive is
 * streamed: only an entry at a wanted path whose header size is the size the tree lists is buffered,
 * so nothing beyond the limit that size was judged by is ever read, and its bytes are kept only when
 * their git blob sha is the tree's. What the archive leaves out or changes (`export-ignore`,
 * `export-subst`, Git LFS objects included in archives) is absent from the answer.
 */
export async function readArchiveBlobs(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  commitSha: string,
  wanted: readonly WantedBlob[],
): Promise<Map<string, Uint8Array>> {
  const byPath = new Map(wanted.map((blob) => [blob.path, blob]));
  const found = new Map<string, Uint8Array>();
  const entries = extract();
  entries.on('entry', (header, stream, next) => {
    const blob = byPath.get(repositoryPath(header.name));
    if (!blob || found.has(blob.sha) || !matchesListing(header, blob)) {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk) => chunks.push(chunk as Buffer));
    stream.on('end', () => {
      const bytes = blob.symlink ? Buffer.from(header.linkname, 'utf8') : Buffer.concat(chunks);
      if (gitBlobSha(bytes) === blob.sha) found.set(blob.sha, bytes);
      next();
    });
  });
  await pipeline(await downloadTarball(octokit, repo, commitSha), createGunzip(), entries);
  return found;
}

function matchesListing(header: Header, blob: WantedBlob): boolean {
  if (blob.symlink) return header.type === 'symlink' && Buffer.byteLength(header.linkname, 'utf8') === blob.size;
  return header.type === 'file' && header.size === blob.size;
}

/** Git's object id of a blob: sha1 of `blob <length>\0` and the bytes (git-scm.com/book/en/v2/Git-Internals-Git-Objects). */
export function gitBlobSha(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}
