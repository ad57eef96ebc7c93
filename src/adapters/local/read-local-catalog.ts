import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { imageMetadataFile } from '../../config/image-metadata-schema.ts';
import { configPath } from '../../config/schema.ts';
import { maxMetadataBytes } from '../../domain/catalog/source-limits.ts';
import type { ImageFolder } from '../../domain/catalog/types.ts';
import { maxDockerfileBytes } from '../../domain/dockerfile/decode-dockerfile.ts';
import { UserError } from '../../errors.ts';
import { readLinkTarget, readPlainFile } from './read-checkout-file.ts';

/**
 * Reads every `<catalog>/<name>/` folder of a local checkout. Symlinks are reported, never followed:
 * not the catalog folder's, not an image folder's, not a file's. Files over their size limit are
 * judged by their size without being read.
 */
export async function readLocalCatalog(repoRoot: string, catalogRoot: string): Promise<ImageFolder[]> {
  await assertCatalogFolder(repoRoot, catalogRoot);
  const root = path.join(repoRoot, catalogRoot);
  const entries = (await readdir(root, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const folders: ImageFolder[] = [];
  for (const entry of entries) {
    const dir = path.join(root, entry.name);
    if (entry.isSymbolicLink()) {
      folders.push({ name: entry.name, linkTarget: readLinkTarget(dir), dockerfile: { kind: 'missing' }, metadata: { kind: 'missing' } });
    } else if (entry.isDirectory()) {
      folders.push({
        name: entry.name,
        dockerfile: readPlainFile(path.join(dir, 'Dockerfile'), maxDockerfileBytes),
        metadata: readPlainFile(path.join(dir, imageMetadataFile), maxMetadataBytes),
      });
    }
  }
  return folders;
}

/** Throws a user error unless every folder on the catalog path is a real folder of the checkout. */
async function assertCatalogFolder(repoRoot: string, catalogRoot: string): Promise<void> {
  const parts = catalogRoot.split('/');
  for (let depth = 1; depth <= parts.length; depth++) {
    const folder = parts.slice(0, depth).join('/');
    const where = `catalog folder \`${catalogRoot}/\``;
    const stats = await lstat(path.join(repoRoot, folder)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    if (!stats) {
      throw new UserError(`${where} does not exist in ${repoRoot}; set \`catalog:\` in ${configPath} to the folder that holds one sub-folder per image.`);
    }
    if (stats.isSymbolicLink()) {
      const link = folder === catalogRoot ? 'a symlink' : `inside \`${folder}/\`, a symlink`;
      throw new UserError(
        `${where} in ${repoRoot} is ${link} (to \`${readLinkTarget(path.join(repoRoot, folder))}\`); Dockyard never follows a link out of the repository. Make it a real folder, or set \`catalog:\` in ${configPath} to one.`,
      );
    }
    if (!stats.isDirectory()) {
      throw new UserError(`${where} in ${repoRoot} is not a folder (\`${folder}\` is a file); set \`catalog:\` in ${configPath} to the folder that holds one sub-folder per image.`);
    }
  }
}
