import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { imageMetadataFile } from '../../config/image-metadata-schema.ts';
import type { ImageFolder, SourceFile } from '../../domain/catalog/types.ts';

/** Reads every `<catalog>/<name>/` folder of a local checkout. Symlinks are reported, never followed. */
export async function readLocalCatalog(repoRoot: string, catalogRoot: string): Promise<ImageFolder[]> {
  const root = path.join(repoRoot, catalogRoot);
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  return names.map((name) => ({
    name,
    dockerfile: readSource(path.join(root, name, 'Dockerfile')),
    metadata: readSource(path.join(root, name, imageMetadataFile)),
  }));
}

function readSource(file: string): SourceFile {
  try {
    const stats = lstatSync(file, { throwIfNoEntry: false });
    if (!stats) return { kind: 'missing' };
    if (stats.isSymbolicLink()) return { kind: 'symlink', target: readlinkSync(file) };
    if (!stats.isFile()) return { kind: 'missing' };
    return { kind: 'file', bytes: readFileSync(file) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
}
