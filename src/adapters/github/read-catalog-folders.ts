import { imageMetadataFile } from '../../config/image-metadata-schema.ts';
import { configPath } from '../../config/schema.ts';
import { maxLinkTargetBytes, maxMetadataBytes } from '../../domain/catalog/source-limits.ts';
import type { ImageFolder, SourceFile } from '../../domain/catalog/types.ts';
import { maxDockerfileBytes } from '../../domain/dockerfile/decode-dockerfile.ts';
import { UserError } from '../../errors.ts';
import type { GitHubClient, RepoCoordinates } from './github-client.ts';
import { readArchiveBlobs, type WantedBlob } from './read-archive.ts';

/**
 * Blob contents known from earlier reads, by git blob sha. A sha names its bytes, so what is known
 * is never stale; the state store keeps them across restarts.
 */
export interface KnownBlobs {
  knownBlobs(shas: readonly string[]): Map<string, Uint8Array>;
  rememberBlobs(blobs: ReadonlyMap<string, Uint8Array>): void;
}

const parallelReads = 8;
/**
 * More unknown blobs than one round of parallel `git/blobs` reads are taken from one tarball download
 * instead. The archive costs one REST request whatever the catalog's size (its bytes come from
 * codeload.github.com after a redirect) but carries the whole repository, so a pull request's few
 * changed files are read one by one, and a cold start or a wide change costs one request, not hundreds.
 */
export const archiveThreshold = parallelReads;
const symlinkMode = '120000';
const tooLongTarget = '(a path too long to show)';

interface TreeEntry {
  path?: string;
  mode?: string;
  type?: string;
  sha?: string;
  /** Bytes of a blob, as the tree listing reports it: judged before the blob is fetched. */
  size?: number;
}

interface FolderEntries {
  tree?: string;
  link?: TreeEntry;
  dockerfile?: TreeEntry;
  metadata?: TreeEntry;
}

/**
 * Reads every `<catalog>/<name>/` folder at a commit: one tree request per level of the catalog path
 * (the last one recursive), then only the Dockerfile and image.yml blobs `known` does not hold, one
 * request each, or all from one tarball when there are more than `archiveThreshold`. Symlinks (mode
 * 120000), of files and of image folders, are reported as such, never followed; a blob larger than
 * Dockyard reads is judged by its listed size and never fetched.
 */
export async function readCatalogFolders(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  commitSha: string,
  catalogRoot: string,
  known?: KnownBlobs,
): Promise<ImageFolder[]> {
  const listing = await listCatalog(octokit, repo, commitSha, catalogRoot);
  const folders = groupFolders(listing);
  const wanted = new Map<string, WantedBlob>();
  for (const [name, folder] of folders) {
    for (const [file, entry] of [['', folder.link], ['Dockerfile', folder.dockerfile], [imageMetadataFile, folder.metadata]] as const) {
      const blob = entry && fetchable(entry, file === imageMetadataFile ? maxMetadataBytes : maxDockerfileBytes);
      if (blob) wanted.set(blob.sha, { ...blob, path: [catalogRoot, name, file].filter(Boolean).join('/') });
    }
  }
  const blobs = await readBlobs(octokit, repo, commitSha, [...wanted.values()], known);
  return [...folders.keys()].sort().map((name) => {
    const folder = folders.get(name) ?? {};
    if (folder.link) {
      const link = sourceFile(folder.link, 0, blobs);
      return { name, linkTarget: link.kind === 'symlink' ? link.target : tooLongTarget, dockerfile: { kind: 'missing' }, metadata: { kind: 'missing' } };
    }
    const read: ImageFolder = {
      name,
      dockerfile: sourceFile(folder.dockerfile, maxDockerfileBytes, blobs),
      metadata: sourceFile(folder.metadata, maxMetadataBytes, blobs),
    };
    if (folder.tree) read.treeSha = folder.tree;
    return read;
  });
}

/** The catalog folder's entries, all levels, from the Git trees API (docs.github.com/rest/git/trees#get-a-tree). */
async function listCatalog(octokit: GitHubClient, repo: RepoCoordinates, commitSha: string, catalogRoot: string): Promise<TreeEntry[]> {
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
  // A truncated listing would silently leave images out of the catalog and of the policy.
  if (data.truncated) {
    throw new UserError(
      `The catalog folder \`${catalogRoot}/\` at ${commitSha.slice(0, 7)} holds more entries than GitHub lists in one tree (100,000 entries or 7 MB), so Dockyard cannot read all of it. Keep only the image folders in it, or split the catalog.`,
    );
  }
  return data.tree;
}

function groupFolders(entries: readonly TreeEntry[]): Map<string, FolderEntries> {
  const folders = new Map<string, FolderEntries>();
  for (const entry of entries) {
    const parts = entry.path?.split('/') ?? [];
    const [name, file] = parts;
    if (!name) continue;
    const folder = folders.get(name) ?? {};
    if (parts.length === 1 && entry.type === 'tree' && entry.sha) folder.tree = entry.sha;
    if (parts.length === 1 && entry.mode === symlinkMode) folder.link = entry;
    if (parts.length === 2 && file === 'Dockerfile') folder.dockerfile = entry;
    if (parts.length === 2 && file === imageMetadataFile) folder.metadata = entry;
    // A plain file beside the image folders is not an image.
    if (parts.length === 2 || folder.tree || folder.link) folders.set(name, folder);
  }
  return folders;
}

/** The blob to fetch for an entry, or undefined when the tree alone decides what it is. */
function fetchable(entry: TreeEntry, maxBytes: number): Omit<WantedBlob, 'path'> | undefined {
  if (!entry.sha || entry.type !== 'blob') return undefined;
  const symlink = entry.mode === symlinkMode;
  const size = entry.size ?? 0;
  if (size > (symlink ? maxLinkTargetBytes : maxBytes)) return undefined;
  return { sha: entry.sha, size, symlink };
}

function sourceFile(entry: TreeEntry | undefined, maxBytes: number, blobs: ReadonlyMap<string, Uint8Array>): SourceFile {
  if (!entry?.sha || entry.type !== 'blob') return { kind: 'missing' };
  const symlink = entry.mode === symlinkMode;
  const bytes = blobs.get(entry.sha);
  if (!bytes) return symlink ? { kind: 'symlink', target: tooLongTarget } : { kind: 'oversized', size: entry.size ?? 0 };
  if (symlink) return { kind: 'symlink', target: Buffer.from(bytes).toString('utf8') };
  // The listing's size is what GitHub says; the bytes are what it sent.
  if (bytes.byteLength > maxBytes) return { kind: 'oversized', size: bytes.byteLength };
  return { kind: 'file', bytes };
}

/**
 * The wanted blobs' bytes: known ones from `known`, the rest from GitHub, remembered for next time.
 * Whatever the archive could not vouch for is read one by one, up to `archiveThreshold` of them.
 */
async function readBlobs(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  commitSha: string,
  wanted: readonly WantedBlob[],
  known: KnownBlobs | undefined,
): Promise<Map<string, Uint8Array>> {
  const blobs = known?.knownBlobs(wanted.map((blob) => blob.sha)) ?? new Map<string, Uint8Array>();
  const fetched = new Map<string, Uint8Array>();
  let unknown = wanted.filter((blob) => !blobs.has(blob.sha));
  if (unknown.length > archiveThreshold) {
    for (const [sha, bytes] of await readArchiveBlobs(octokit, repo, commitSha, unknown)) fetched.set(sha, bytes);
    unknown = unknown.filter((blob) => !fetched.has(blob.sha));
    if (unknown.length > archiveThreshold) {
      const paths = unknown.map((blob) => `\`${blob.path}\``).sort().slice(0, 3);
      throw new UserError(
        `${unknown.length} catalog files (${paths.join(', ')}${unknown.length > 3 ? ', …' : ''}) are missing from GitHub's archive of ${commitSha.slice(0, 7)} or differ there from the commit, so Dockyard cannot read the catalog in one download. Remove \`export-ignore\` and \`export-subst\` for the catalog folder from .gitattributes.`,
      );
    }
  }
  for (let i = 0; i < unknown.length; i += parallelReads) {
    const batch = unknown.slice(i, i + parallelReads);
    const read = await Promise.all(batch.map(async (blob) => [blob.sha, await readBlob(octokit, repo, blob.sha)] as const));
    for (const [sha, bytes] of read) fetched.set(sha, bytes);
  }
  if (fetched.size > 0) known?.rememberBlobs(fetched);
  for (const [sha, bytes] of fetched) blobs.set(sha, bytes);
  return blobs;
}

/** One blob by sha (docs.github.com/rest/git/blobs#get-a-blob). */
async function readBlob(octokit: GitHubClient, repo: RepoCoordinates, sha: string): Promise<Uint8Array> {
  const { data } = await octokit.rest.git.getBlob({ ...repo, file_sha: sha });
  return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8');
}
