import { closeSync, constants, lstatSync, openSync, readlinkSync, readSync } from 'node:fs';
import path from 'node:path';
import type { SourceFile } from '../../domain/catalog/types.ts';
import { maxLinkTargetBytes } from '../../domain/catalog/source-limits.ts';

/** A file of a checkout as Dockyard may read it, or the symlinked folder that stands in its way. */
export type CheckoutFile = SourceFile | { kind: 'linked-folder'; folder: string; target: string };

/**
 * Reads a file of a checkout by its repository path (`a/b/file`) without leaving the checkout: a
 * symlink, the file's own or a folder's on the way, is reported and never followed, and a file
 * larger than maxBytes is judged by its size without being read.
 */
export function readCheckoutFile(repoRoot: string, file: string, maxBytes: number): CheckoutFile {
  const parts = file.split('/');
  for (let depth = 1; depth < parts.length; depth++) {
    const folder = parts.slice(0, depth).join('/');
    const entry = lstatOrNull(path.join(repoRoot, folder));
    if (entry?.isSymbolicLink()) return { kind: 'linked-folder', folder, target: readLinkTarget(path.join(repoRoot, folder)) };
    if (!entry?.isDirectory()) return { kind: 'missing' };
  }
  return readPlainFile(path.join(repoRoot, file), maxBytes);
}

/**
 * Reads one file known to sit in a real folder: its bytes, its link target, or its size when too
 * large. Synchronous on purpose: one read after another is the fastest way through a large catalog.
 */
export function readPlainFile(file: string, maxBytes: number): SourceFile {
  const stats = lstatOrNull(file);
  if (!stats) return { kind: 'missing' };
  if (stats.isSymbolicLink()) return { kind: 'symlink', target: readLinkTarget(file) };
  // Devices, sockets and pipes are never read: a FIFO would block, /dev/zero would never end.
  if (!stats.isFile()) return { kind: 'missing' };
  if (stats.size > maxBytes) return { kind: 'oversized', size: stats.size };
  // Refuse a file swapped for a link or a pipe since lstat looked at it, and read at most one byte
  // past the limit, so a file that grew meanwhile is still bounded.
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const buffer = Buffer.allocUnsafe(stats.size + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      read = readSync(fd, buffer, length, buffer.length - length, length);
    }
    return length > maxBytes ? { kind: 'oversized', size: length } : { kind: 'file', bytes: buffer.subarray(0, length) };
  } finally {
    closeSync(fd);
  }
}

/** A symlink's target, as text; cut short when longer than any path can be. */
export function readLinkTarget(link: string): string {
  const target = readlinkSync(link);
  return target.length > maxLinkTargetBytes ? `${target.slice(0, 200)}…` : target;
}

function lstatOrNull(file: string) {
  try {
    return lstatSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}
