import { execa } from 'execa';
import type { ChangedPath } from '../../domain/check/changed-images.ts';
import { UserError } from '../../errors.ts';

/** Files changed between a ref and the working tree, renames detected, like a pull request's file list. */
export async function changedSince(repoRoot: string, base: string): Promise<ChangedPath[]> {
  const result = await git(repoRoot, ['diff', '--name-status', '-M', '-z', base]);
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

/** A file's bytes at a ref; null when the file does not exist there. */
export async function showFile(repoRoot: string, ref: string, file: string): Promise<Uint8Array | null> {
  const result = await execa('git', ['show', `${ref}:${file}`], { cwd: repoRoot, reject: false, encoding: 'buffer' });
  return result.exitCode === 0 ? result.stdout : null;
}

async function git(repoRoot: string, args: string[]): Promise<string> {
  const result = await execa('git', args, { cwd: repoRoot, reject: false });
  if (result.exitCode !== 0) {
    throw new UserError(`git ${args.join(' ')} failed: ${result.stderr.trim() || result.shortMessage}. Is --base a valid ref in this repository?`);
  }
  return result.stdout;
}
