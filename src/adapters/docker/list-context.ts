import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import dockerignore from '@balena/dockerignore';
import type { BuildResult } from './types.ts';

export type Refusal = Extract<BuildResult, { status: 'refused' }>;

/** One thing to put in the build context, by its path inside the context (POSIX separators). */
export type ContextEntry =
  | { kind: 'directory'; path: string }
  | { kind: 'file'; path: string; absolute: string; size: number; executable: boolean }
  | { kind: 'symlink'; path: string; target: string };

export interface ContextListing {
  status: 'listed';
  /** Depth first, names sorted, each folder before what it holds; the Dockerfile is not among them. */
  entries: ContextEntry[];
  /** The Dockerfile's bytes as committed. */
  dockerfile: Buffer;
}

/**
 * Lists what an image folder contributes to its build context: everything `.dockerignore` keeps
 * (Docker's matching rules), plus the Dockerfile always. Refuses symlinks that point outside the
 * folder and files that are not files, folders or symlinks, naming the file and what to do.
 */
export async function listContext(contextDir: string): Promise<ContextListing | Refusal> {
  const shown = (relative: string) => displayPath(contextDir, relative);
  const dockerfile = await readDockerfile(contextDir, shown('Dockerfile'));
  if (!Buffer.isBuffer(dockerfile)) return dockerfile;

  const ignoreText = await readOptional(path.join(contextDir, '.dockerignore'));
  const ignore = dockerignore.default().add(ignoreText ?? '');
  // Without `!` exceptions nothing inside an ignored folder can come back, so it is not walked.
  const hasExceptions = /^\s*!/m.test(ignoreText ?? '');
  const ignored = (relative: string) => relative !== '.dockerignore' && ignore.ignores(relative);

  const entries: ContextEntry[] = [];
  const walk = async (relativeDir: string): Promise<Refusal | undefined> => {
    const names = (await readdir(path.join(contextDir, relativeDir))).sort();
    for (const name of names) {
      const relative = relativeDir === '' ? name : `${relativeDir}/${name}`;
      if (relative === 'Dockerfile') continue;
      const absolute = path.join(contextDir, relative);
      const stats = await lstat(absolute);
      const skip = ignored(relative);
      if (stats.isDirectory()) {
        if (skip && !hasExceptions) continue;
        const before = entries.length;
        entries.push({ kind: 'directory', path: relative });
        const refusal = await walk(relative);
        if (refusal) return refusal;
        // An ignored folder stays only to hold what an exception brings back.
        if (skip && entries.length === before + 1) entries.pop();
      } else if (skip) {
        continue;
      } else if (stats.isFile()) {
        entries.push({ kind: 'file', path: relative, absolute, size: stats.size, executable: (stats.mode & 0o111) !== 0 });
      } else if (stats.isSymbolicLink()) {
        const target = await readlink(absolute);
        if (escapesFolder(relative, target)) {
          return {
            status: 'refused',
            file: shown(relative),
            message:
              `\`${shown(relative)}\` is a symlink to \`${target}\`, which is outside the image folder; ` +
              'the build context is the folder and nothing outside it. Copy what you need into the folder, ' +
              'or list the link in .dockerignore.',
          };
        }
        entries.push({ kind: 'symlink', path: relative, target });
      } else {
        return {
          status: 'refused',
          file: shown(relative),
          message:
            `\`${shown(relative)}\` is a ${specialKind(stats)}, not a file, folder or symlink, so it cannot go ` +
            'into a build context. Remove it from the folder or list it in .dockerignore.',
        };
      }
    }
    return undefined;
  };
  const refusal = await walk('');
  return refusal ?? { status: 'listed', entries, dockerfile };
}

/** The folder and its parent, then the path inside: `images/base/files/x` for a catalog image. */
export function displayPath(contextDir: string, relative: string): string {
  const resolved = path.resolve(contextDir);
  return [path.basename(path.dirname(resolved)), path.basename(resolved), relative].filter(Boolean).join('/');
}

/** True when a symlink's target is absolute or climbs out of the folder (`..`), judged by its text. */
function escapesFolder(linkPath: string, target: string): boolean {
  if (path.posix.isAbsolute(target) || path.win32.isAbsolute(target)) return true;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(linkPath), target));
  return resolved === '..' || resolved.startsWith('../');
}

async function readDockerfile(contextDir: string, shown: string): Promise<Buffer | Refusal> {
  const file = path.join(contextDir, 'Dockerfile');
  const stats = await lstat(file).catch(() => undefined);
  if (!stats) {
    return { status: 'refused', file: shown, message: `\`${shown}\` does not exist. Each image folder needs a Dockerfile.` };
  }
  if (!stats.isFile()) {
    return {
      status: 'refused',
      file: shown,
      message: `\`${shown}\` is not a regular file. Dockyard builds only what reviewers see: commit the Dockerfile itself.`,
    };
  }
  return readFile(file);
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function specialKind(stats: Awaited<ReturnType<typeof lstat>>): string {
  if (stats.isFIFO()) return 'named pipe';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  return 'special file';
}
