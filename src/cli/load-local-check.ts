import { stat } from 'node:fs/promises';
import { changedSince, readGitFile, resolveCommit } from '../adapters/local/git.ts';
import { readCheckoutFile, type CheckoutFile } from '../adapters/local/read-checkout-file.ts';
import { readLocalCatalog } from '../adapters/local/read-local-catalog.ts';
import { maxConfigBytes, oversizedConfig, parseConfig } from '../config/parse-config.ts';
import { configPath, type Config } from '../config/schema.ts';
import type { ChangedPath } from '../domain/check/changed-images.ts';
import type { ImageFolder } from '../domain/catalog/types.ts';
import { ConfigError, UserError } from '../errors.ts';
import { hadolintConfigFiles } from '../jobs/lint-dockerfiles.ts';

export interface LocalCheckInput {
  config: Config;
  folders: ImageFolder[];
  changes: ChangedPath[] | 'all';
  hadolintConfig?: { path: string; bytes: Uint8Array };
}

/**
 * Gathers what a local check needs. With a base ref it judges like the app does: config and
 * hadolint settings from the base, changes since the base. Without one: the working tree's
 * config, and every image counts as changed. Nothing outside the checkout is read: symlinks are
 * reported, never followed.
 */
export async function loadLocalCheck(repoRoot: string, base: string | undefined): Promise<LocalCheckInput> {
  await assertFolder(repoRoot);
  const commit = base === undefined ? undefined : await resolveCommit(repoRoot, base);
  const read = async (file: string): Promise<Uint8Array | null> =>
    usableBytes(file, commit === undefined ? readCheckoutFile(repoRoot, file, maxConfigBytes) : await readGitFile(repoRoot, commit, file, maxConfigBytes));
  const configBytes = await read(configPath);
  if (!configBytes) {
    throw new UserError(
      `No ${configPath} ${base === undefined ? `in ${repoRoot}` : `at ${base}`}. Run dockyard in a catalog repository, or add the config (see the README).`,
    );
  }
  const config = parseConfig(Buffer.from(configBytes).toString('utf8'), configPath);
  const changes = commit === undefined ? 'all' : await changedSince(repoRoot, commit);
  const folders = await readLocalCatalog(repoRoot, config.catalog);
  for (const file of hadolintConfigFiles) {
    const bytes = await read(file);
    if (bytes) return { config, folders, changes, hadolintConfig: { path: file, bytes } };
  }
  return { config, folders, changes };
}

async function assertFolder(repoRoot: string): Promise<void> {
  const stats = await stat(repoRoot).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw error;
  });
  if (!stats) throw new UserError(`the folder \`${repoRoot}\` does not exist; give -C a checkout of a catalog repository.`);
  if (!stats.isDirectory()) throw new UserError(`\`${repoRoot}\` is a file, not a folder; give -C a checkout of a catalog repository.`);
}

/** The bytes of a settings file, null when absent; a config error when it cannot be read safely. */
function usableBytes(file: string, source: CheckoutFile): Uint8Array | null {
  const refuse = (problem: string) =>
    new ConfigError(file, [
      { field: '', line: 1, message: `${problem}; Dockyard reads only files committed in the repository, never what a link points to. Commit the file itself.` },
    ]);
  switch (source.kind) {
    case 'file':
      return source.bytes;
    case 'missing':
      return null;
    case 'oversized':
      throw oversizedConfig(file, source.size);
    case 'symlink':
      throw refuse(`is a symlink (to \`${source.target}\`)`);
    case 'linked-folder':
      throw refuse(`is inside \`${source.folder}\`, a symlink (to \`${source.target}\`)`);
  }
}
