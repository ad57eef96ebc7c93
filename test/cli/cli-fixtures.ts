import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { main } from '../../src/cli/main.ts';
import { captureOutput } from './capture-output.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];

/** A fresh temp folder, removed by removeTempDirs. */
export async function tempDir(prefix = 'dockyard-cli-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Removes every folder tempDir made; call it after each test. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A copy of this repository's catalog, config and hadolint settings in a fresh folder. */
export async function copyOfCatalog(): Promise<string> {
  const dir = await tempDir();
  for (const entry of ['images', '.github', '.hadolint.yaml']) {
    await cp(path.join(repoRoot, entry), path.join(dir, entry), { recursive: true });
  }
  return dir;
}

/** Runs the CLI in-process and returns its exit code and everything it printed. */
export async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = captureOutput();
  const code = await main(args, output.out as never, output.err as never);
  return { code, stdout: output.stdout(), stderr: output.stderr() };
}

/** Runs git in a folder as a throwaway committer. */
export async function git(dir: string, ...args: string[]): Promise<void> {
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
}

/** Makes the folder a git repository with everything in it committed on `main`. */
export async function commitAll(dir: string): Promise<void> {
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-qm', 'catalog');
}
