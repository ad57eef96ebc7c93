import path from 'node:path';

/** Expresses a path inside the checkout as a Finding wants it: relative to `cwd`, forward slashes. */
export function repoRelativePath(cwd: string, file: string): string {
  return path.relative(cwd, path.resolve(cwd, file)).replaceAll('\\', '/');
}
