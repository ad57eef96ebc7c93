import { imageMetadataFile } from '../../config/image-metadata-schema.ts';
import { configPath } from '../../config/schema.ts';
import { maxLinkTargetBytes, maxMetadataBytes } from '../../domain/catalog/source-limits.ts';
import type { ImageFolder, SourceFile } from '../../domain/catalog/types.ts';
import { maxDockerfileBytes } from '../../domain/dockerfile/decode-dockerfile.ts';
import { UserError } from '../../errors.ts';
import type { GitHubClient, RepoCoordinates } from './github-client.ts';

// Blobs are content-addressed, so a blob read once is good forever; keep the most recent ones.
const blobCache = new Map<string, Uint8Array>();
const blobCacheLimit = 20_000;
const parallelReads = 8;

interface TreeEntry {
  path?: string;
  mode?: string;
  type?: string;
  sha?: string;
  /** Bytes of a blob, as the tree listing reports it: judged before the blob is fetched. */
  size?: number;
}

const symlinkMode = '120000';

/**
 * Reads every `<catalog>/<name>/` folder at a commit through the Git data API: one tree request
 * per level of the catalog path, then the Dockerfile and image.yml blobs (cached by blob sha).
 * Symlinks (mode 120000), of files and of image folders, are reported as such, never followed; a
 * blob larger than Dockyard reads is judged by its listed size and never fetched.
 */
export async function readCatalogFolders(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  commitSha: string,
  catalogRoot: string,
): Promise<ImageFolder[]> {
  let treeSha: string | undefined = commitSha;
  for (const segment of catalogRoot.split('/')) {
    const response = await octokit.rest.git.getTree({ ...repo, tree_sha: treeSha });
    const entries: TreeEntry[] = response.data.tree;
    const entry = entries.find((candidate) => candidate.path === segment);
    if (entry?.mode === symlinkMode) {
      throw new UserError(
        `The catalog folder \`${catalogRoot}/\` is a symlink at ${commitSha.slice(0, 7)}; Dockyard never follows a link out of the repository. Make it a real folder, or set \`catalog:\` in ${configPath} to one.`,
      );
    }
    treeSha = entry?.type === 'tree' ? entry.sha : undefined;
    if (!treeSha) return [];
  }
  const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: treeSha, recursive: 'true' });
  const folders = new Map<string, { tree?: string; link?: TreeEntry; dockerfile?: TreeEntry; metadata?: TreeEntry }>();
  for (const entry of data.tree as TreeEntry[]) {
    const parts = entry.path?.split('/') ?? [];
    const [name, file] = parts;
    if (!name) continue;
    if (parts.length === 1 && entry.type === 'tree') folders.set(name, { ...folders.get(name), ...(entry.sha ? { tree: entry.sha } : {}) });
    if (parts.length === 1 && entry.mode === symlinkMode) folders.set(name, { ...folders.get(name), link: entry });
    if (parts.length !== 2 || !file) continue;
    const folder = folders.get(name) ?? {};
    if (file === 'Dockerfile') folder.dockerfile = entry;
    if (file === imageMetadataFile) folder.metadata = entry;
    folders.set(name, folder);
  }
  const names = [...folders.keys()].sort();
  const result: ImageFolder[] = [];
  for (let i = 0; i < names.length; i += parallelReads) {
    const batch = names.slice(i, i + parallelReads);
    result.push(
      ...(await Promise.all(
        batch.map(async (name) => {
          const folder = folders.get(name) ?? {};
          if (folder.link) {
            const link = await readEntry(octokit, repo, folder.link, 0);
            const target = link.kind === 'symlink' ? link.target : '(a path too long to show)';
            return { name, linkTarget: target, dockerfile: { kind: 'missing' }, metadata: { kind: 'missing' } } satisfies ImageFolder;
          }
          const read: ImageFolder = {
            name,
            dockerfile: await readEntry(octokit, repo, folder.dockerfile, maxDockerfileBytes),
            metadata: await readEntry(octokit, repo, folder.metadata, maxMetadataBytes),
          };
          if (folder.tree) read.treeSha = folder.tree;
          return read;
        }),
      )),
    );
  }
  return result;
}

async function readEntry(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  entry: TreeEntry | undefined,
  maxBytes: number,
): Promise<SourceFile> {
  if (!entry?.sha || entry.type !== 'blob') return { kind: 'missing' };
  const isLink = entry.mode === symlinkMode;
  const size = entry.size ?? 0;
  if (size > (isLink ? maxLinkTargetBytes : maxBytes)) {
    return isLink ? { kind: 'symlink', target: '(a path too long to show)' } : { kind: 'oversized', size };
  }
  const bytes = await readBlob(octokit, repo, entry.sha);
  if (isLink) return { kind: 'symlink', target: Buffer.from(bytes).toString('utf8') };
  // The listing's size is what GitHub says; the bytes are what it sent.
  if (bytes.byteLength > maxBytes) return { kind: 'oversized', size: bytes.byteLength };
  return { kind: 'file', bytes };
}

async function readBlob(octokit: GitHubClient, repo: RepoCoordinates, sha: string): Promise<Uint8Array> {
  const cached = blobCache.get(sha);
  if (cached) return cached;
  const { data } = await octokit.rest.git.getBlob({ ...repo, file_sha: sha });
  const bytes = Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8');
  if (blobCache.size >= blobCacheLimit) blobCache.delete(blobCache.keys().next().value as string);
  blobCache.set(sha, bytes);
  return bytes;
}

/** Forgets cached blobs; tests call it so each one asserts its own requests. */
export function clearBlobCache(): void {
  blobCache.clear();
}
