import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files to change in a commit: text to write, or null to delete. */
export type FileChanges = Record<string, string | null>;

/** One entry of `git ls-tree -l`. */
export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size: number | undefined;
  path: string;
}

/** One changed file between two commits, as `git diff --name-status -M` reports it. */
export interface ChangedFile {
  status: 'added' | 'removed' | 'modified' | 'renamed';
  filename: string;
  previousFilename?: string;
}

// Fixed identities and dates, so a commit's sha depends only on its content, parents and message.
const identity = {
  GIT_AUTHOR_NAME: 'Monalisa Octocat',
  GIT_AUTHOR_EMAIL: 'octocat@example.com',
  GIT_COMMITTER_NAME: 'GitHub',
  GIT_COMMITTER_EMAIL: 'noreply@example.com',
};

/**
 * A real bare git repository, the source of truth behind one fake GitHub repository: commits are made with
 * git's plumbing (a temporary index, no work tree) and every API answer is read back from git.
 */
export class GitRepo {
  readonly dir: string;
  #clock = Date.parse('2026-11-29T05:00:00Z') / 1000;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(parent: string, name: string): Promise<GitRepo> {
    const dir = path.join(parent, `${name}.git`);
    await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir]);
    return new GitRepo(dir);
  }

  async git(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    const { stdout } = await run('git', ['--git-dir', this.dir, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  }

  /** The commit a ref or sha names, or undefined when there is none. */
  async resolve(ref: string): Promise<string | undefined> {
    if (!/^[\w./-]+$/.test(ref)) return undefined;
    try {
      return (await this.git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Commits `changes` on top of `parents[0]` (none: a root commit) and returns the new sha. Moves `branch`
   * to it when given. Several parents make a merge commit whose tree is the first parent's plus `changes`.
   */
  async commit(changes: FileChanges, options: { parents?: string[]; message?: string; branch?: string; tree?: string } = {}): Promise<string> {
    const parents = options.parents ?? [];
    const scratch = await mkdtemp(path.join(tmpdir(), 'fake-github-index-'));
    const env = { GIT_INDEX_FILE: path.join(scratch, 'index') };
    try {
      const base = options.tree ?? parents[0];
      if (base) await this.git(['read-tree', base], env);
      for (const [file, content] of Object.entries(changes)) {
        if (content === null) {
          await this.git(['update-index', '--force-remove', file], env);
          continue;
        }
        const blob = (await this.writeBlob(content)).trim();
        await this.git(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], env);
      }
      const tree = (await this.git(['write-tree'], env)).trim();
      this.#clock += 60;
      const date = `${this.#clock} +0000`;
      const sha = (
        await this.git(['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent]), '-m', options.message ?? 'change'], {
          ...identity,
          GIT_AUTHOR_DATE: date,
          GIT_COMMITTER_DATE: date,
        })
      ).trim();
      if (options.branch) await this.git(['update-ref', `refs/heads/${options.branch}`, sha]);
      return sha;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Stores `content` as a blob and returns its sha. */
  writeBlob(content: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', ['--git-dir', this.dir, 'hash-object', '-w', '--stdin']);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`git hash-object exited ${code}`))));
      child.stdin.end(content);
    });
  }

  /** The tree sha of a commit, or the tree itself. */
  async treeOf(ish: string): Promise<string | undefined> {
    try {
      return (await this.git(['rev-parse', '--verify', '--quiet', `${ish}^{tree}`])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  async listTree(treeIsh: string, recursive: boolean): Promise<TreeEntry[]> {
    const out = await this.git(['ls-tree', '-l', '-z', ...(recursive ? ['-r', '-t'] : []), treeIsh]);
    return out
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const [meta = '', file = ''] = line.split('\t');
        const [mode = '', type = 'blob', sha = '', size = '-'] = meta.split(/\s+/);
        return { mode, type: type as TreeEntry['type'], sha, size: size === '-' ? undefined : Number(size), path: file };
      });
  }

  /** A blob's bytes, or undefined when the sha names no blob. */
  async readBlob(sha: string): Promise<Buffer | undefined> {
    if (!/^[0-9a-f]{40}$/.test(sha)) return undefined;
    try {
      if ((await this.git(['cat-file', '-t', sha])).trim() !== 'blob') return undefined;
      const { stdout } = await run('git', ['--git-dir', this.dir, 'cat-file', 'blob', sha], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch {
      return undefined;
    }
  }

  /** The entry at `file` in a commit's tree, or undefined. */
  async entryAt(commit: string, file: string): Promise<TreeEntry | undefined> {
    const out = await this.git(['ls-tree', '-l', '-z', commit, '--', file]);
    const line = out.split('\0').find(Boolean);
    if (!line) return undefined;
    const [meta = '', name = ''] = line.split('\t');
    if (name !== file) return undefined;
    const [mode = '', type = 'blob', sha = '', size = '-'] = meta.split(/\s+/);
    return { mode, type: type as TreeEntry['type'], sha, size: size === '-' ? undefined : Number(size), path: name };
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    try {
      return (await this.git(['merge-base', a, b])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  async countCommits(range: string): Promise<number> {
    return Number((await this.git(['rev-list', '--count', range])).trim());
  }

  /** Commits in `range`, newest first. */
  async listCommits(range: string): Promise<string[]> {
    return (await this.git(['rev-list', range])).split('\n').filter(Boolean);
  }

  async diff(base: string, head: string): Promise<ChangedFile[]> {
    const out = await this.git(['diff', '--name-status', '-M', '-z', base, head]);
    const parts = out.split('\0').filter(Boolean);
    const files: ChangedFile[] = [];
    for (let i = 0; i < parts.length; ) {
      const code = parts[i++] ?? '';
      if (code.startsWith('R')) {
        const previousFilename = parts[i++] ?? '';
        files.push({ status: 'renamed', filename: parts[i++] ?? '', previousFilename });
      } else {
        const status = code === 'A' ? 'added' : code === 'D' ? 'removed' : 'modified';
        files.push({ status, filename: parts[i++] ?? '' });
      }
    }
    return files;
  }

  /** `git archive` of a commit as gzipped tar, every entry under `prefix/`, as GitHub's tarballs are laid out. */
  async archive(commit: string, prefix: string): Promise<Buffer> {
    const { stdout } = await run('git', ['--git-dir', this.dir, 'archive', '--format=tar.gz', `--prefix=${prefix}/`, commit], {
      encoding: 'buffer',
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  }

  async commitTime(commit: string): Promise<string> {
    const seconds = Number((await this.git(['show', '-s', '--format=%ct', commit])).trim());
    return new Date(seconds * 1000).toISOString();
  }
}
