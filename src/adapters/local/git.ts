import { realpath } from 'node:fs/promises';
import { execa } from 'execa';
import type { SourceFile } from '../../domain/catalog/types.ts';
import type { ChangedPath } from '../../domain/check/changed-images.ts';
import { maxLinkTargetBytes } from '../../domain/catalog/source-limits.ts';
import { UserError } from '../../errors.ts';

// A checkout's own git config can name programs (fsmonitor, external diff, textconv); Dockyard
// reads a repository it does not trust, so it runs none of them.
const safeGit = ['-c', 'core.fsmonitor=false'];

/**
 * The commit a ref names, checked before it is used: an unknown ref, a folder that is not the top
 * of a git repository, or a ref that looks like an option are user errors that say so.
 */
export async function resolveCommit(repoRoot: string, ref: string): Promise<string> {
  const top = await execa('git', [...safeGit, 'rev-parse', '--show-toplevel'], { cwd: repoRoot, reject: false });
  if (top.exitCode !== 0) {
    throw new UserError(`${repoRoot} is not a git repository, and --base names a git ref; run without --base, or in a clone.`);
  }
  if ((await realpath(top.stdout.trim())) !== (await realpath(repoRoot))) {
    throw new UserError(`${repoRoot} is inside the git repository ${top.stdout.trim()}, not its top folder; run dockyard there (-C ${top.stdout.trim()}).`);
  }
  const commit = await execa('git', [...safeGit, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    cwd: repoRoot,
    reject: false,
  });
  if (commit.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(commit.stdout.trim())) {
    throw new UserError(
      `no such git ref \`${ref}\` in ${repoRoot}; give --base a branch, tag or commit of that repository (fetch it first if it is remote).`,
    );
  }
  return commit.stdout.trim();
}

/** Files changed between a commit and the working tree, renames detected, like a pull request's file list. */
export async function changedSince(repoRoot: string, commit: string): Promise<ChangedPath[]> {
  const result = await git(repoRoot, ['diff', '--no-ext-diff', '--no-textconv', '--name-status', '-M', '-z', commit, '--']);
  const fields = result.split('\0').filter((field) => field !== '');
  const changes: ChangedPath[] = [];
  for (let i = 0; i < fields.length; ) {
    const code = fields[i++] ?? '';
    if (code.startsWith('R')) {
      const previousPath = fields[i++] ?? '';
      changes.push({ path: fields[i++] ?? '', status: 'renamed', previousPath });
    } else {
      const status = code === 'A' ? 'added' : code === 'D' ? 'removed' : 'modified';
      changes.push({ path: fields[i++] ?? '', status });
    }
  }
  return changes;
}

/**
 * A file at a commit, as git stores it: a symlink is reported with its target, never followed, and a
 * file larger than maxBytes is judged by the size git lists, without reading it.
 */
export async function readGitFile(repoRoot: string, commit: string, file: string, maxBytes: number): Promise<SourceFile> {
  const listing = await git(repoRoot, ['ls-tree', '-l', '-z', commit, '--', file]);
  // `<mode> <type> <object> <size>\t<path>`; a path behind a symlinked folder is not listed at all.
  const match = /^(\d+) (\w+) ([0-9a-f]+) +(\d+|-)\t/.exec(listing);
  if (!match || match[2] !== 'blob') return { kind: 'missing' };
  const [, mode, , object, size] = match as unknown as [string, string, string, string, string];
  const isLink = mode === '120000';
  if (Number(size) > (isLink ? maxLinkTargetBytes : maxBytes)) {
    return isLink ? { kind: 'symlink', target: '(a path too long to show)' } : { kind: 'oversized', size: Number(size) };
  }
  const blob = await execa('git', [...safeGit, 'cat-file', 'blob', object], { cwd: repoRoot, reject: false, encoding: 'buffer' });
  if (blob.exitCode !== 0) throw new UserError(`git could not read ${file} at ${commit} in ${repoRoot}: ${Buffer.from(blob.stderr).toString().trim()}`);
  return isLink ? { kind: 'symlink', target: Buffer.from(blob.stdout).toString('utf8') } : { kind: 'file', bytes: blob.stdout };
}

async function git(repoRoot: string, args: string[]): Promise<string> {
  const result = await execa('git', [...safeGit, ...args], { cwd: repoRoot, reject: false });
  if (result.exitCode !== 0) {
    throw new UserError(`git ${args.join(' ')} failed in ${repoRoot}: ${result.stderr.trim() || result.shortMessage}`);
  }
  return result.stdout;
}
