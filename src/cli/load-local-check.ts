import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { changedSince, showFile } from '../adapters/local/git.ts';
import { readLocalCatalog } from '../adapters/local/read-local-catalog.ts';
import { parseConfig } from '../config/parse-config.ts';
import { configPath, type Config } from '../config/schema.ts';
import type { ChangedPath } from '../domain/check/changed-images.ts';
import type { ImageFolder } from '../domain/catalog/types.ts';
import { UserError } from '../errors.ts';
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
 * config, and every image counts as changed.
 */
export async function loadLocalCheck(repoRoot: string, base: string | undefined): Promise<LocalCheckInput> {
  const read = async (file: string) =>
    base === undefined ? await readOptional(path.join(repoRoot, file)) : await showFile(repoRoot, base, file);
  const configBytes = await read(configPath);
  if (!configBytes) {
    throw new UserError(
      `No ${configPath} ${base === undefined ? `in ${repoRoot}` : `at ${base}`}. Run dockyard in a catalog repository, or add the config (see the README).`,
    );
  }
  const config = parseConfig(Buffer.from(configBytes).toString('utf8'), configPath);
  const changes = base === undefined ? 'all' : await changedSince(repoRoot, base);
  const folders = await readLocalCatalog(repoRoot, config.catalog);
  for (const file of hadolintConfigFiles) {
    const bytes = await read(file);
    if (bytes) return { config, folders, changes, hadolintConfig: { path: file, bytes } };
  }
  return { config, folders, changes };
}

async function readOptional(file: string): Promise<Uint8Array | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
