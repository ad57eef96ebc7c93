import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
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
  return Promise.all(
    names.map(async (name) => ({
      name,
      dockerfile: await readSource(path.join(root, name, 'Dockerfile')),
      metadata: await readSource(path.join(root, name, imageMetadataFile)),
    })),
  );
}

async function readSource(file: string): Promise<SourceFile> {
  try {
    const stats = await lstat(file);
    if (stats.isSymbolicLink()) return { kind: 'symlink', target: await readlink(file) };
    if (!stats.isFile()) return { kind: 'missing' };
    return { kind: 'file', bytes: await readFile(file) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
}
