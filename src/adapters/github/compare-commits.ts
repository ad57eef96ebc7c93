import type { ChangedPath } from '../../domain/check/changed-images.ts';
import { OutsideError } from '../../errors.ts';
import { isNotFound, type GitHubClient, type RepoCoordinates } from './github-client.ts';

/** GitHub's compare API lists at most 300 files; past that Dockyard treats everything as changed. */
const compareFileLimit = 300;

/**
 * How `head` relates to `base` in git history, as GitHub's compare API says it: `ahead` when head holds
 * every commit of base and more, `behind` the reverse, `diverged` when each has commits the other lacks,
 * and `unrelated` when GitHub knows no common ancestor or no longer has one of them (a force-push
 * rewrote it away).
 */
export type CommitOrder = 'ahead' | 'behind' | 'identical' | 'diverged' | 'unrelated';

export interface Comparison {
  order: CommitOrder;
  /** Commits in head that base lacks. */
  aheadBy: number;
  /** Commits in base that head lacks. */
  behindBy: number;
  /** Files changed from base to head, or `all` when GitHub cannot list them all. */
  files: ChangedPath[] | 'all';
}

const orders = new Set<string>(['ahead', 'behind', 'identical', 'diverged']);

/** Compares two commits (or a commit and a branch name). Throws an OutsideError on an answer it cannot read. */
export async function compareCommits(octokit: GitHubClient, repo: RepoCoordinates, base: string, head: string): Promise<Comparison> {
  let data;
  try {
    ({ data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `${base}...${head}`, per_page: 100 }));
  } catch (error) {
    if (isNotFound(error)) return { order: 'unrelated', aheadBy: 0, behindBy: 0, files: 'all' };
    throw error;
  }
  if (!orders.has(data.status)) {
    // Deciding which commit is newer from a guess could move `latest` backwards; try again later instead.
    throw new OutsideError('github', `GitHub's compare API answered ${base.slice(0, 12)}...${head.slice(0, 12)} with status "${String(data.status)}", not one of ahead, behind, identical, diverged`);
  }
  const listed = data.files ?? [];
  return {
    order: data.status as CommitOrder,
    aheadBy: data.ahead_by,
    behindBy: data.behind_by,
    files: listed.length >= compareFileLimit ? 'all' : listed.map(changedPath),
  };
}

function changedPath(file: { filename: string; status: string; previous_filename?: string }): ChangedPath {
  const status = file.status === 'removed' ? 'removed' : file.status === 'renamed' ? 'renamed' : file.status === 'added' ? 'added' : 'modified';
  const change: ChangedPath = { path: file.filename, status };
  if (file.previous_filename) change.previousPath = file.previous_filename;
  return change;
}

/**
 * The default branch's history as one job sees it: comparisons asked once each (a job compares the same
 * pairs for several images), and where a commit stands on the branch.
 */
export class BranchHistory {
  readonly #octokit: GitHubClient;
  readonly #repo: RepoCoordinates;
  readonly #branch: () => Promise<string>;
  #branchName: Promise<string> | undefined;
  readonly #cache = new Map<string, Promise<Comparison>>();

  /** `branch` names the default branch; asked only when a question needs it. */
  constructor(octokit: GitHubClient, repo: RepoCoordinates, branch: () => Promise<string>) {
    this.#octokit = octokit;
    this.#repo = repo;
    this.#branch = branch;
  }

  /** The default branch's name. */
  branch(): Promise<string> {
    this.#branchName ??= this.#branch();
    return this.#branchName;
  }

  compare(base: string, head: string): Promise<Comparison> {
    const key = `${base}...${head}`;
    let answer = this.#cache.get(key);
    if (!answer) {
      answer = compareCommits(this.#octokit, this.#repo, base, head);
      // A failed request is asked again next time, not remembered.
      answer.catch(() => this.#cache.delete(key));
      this.#cache.set(key, answer);
    }
    return answer;
  }

  /** Files changed from base to head; `all` when there is no base (a new branch) or GitHub cannot list them all. */
  async changedPaths(base: string, head: string): Promise<ChangedPath[] | 'all'> {
    if (/^0+$/.test(base)) return 'all';
    return (await this.compare(base, head)).files;
  }

  /**
   * Where `commit` stands on the default branch now: on it (the branch's head holds it), with how many
   * commits the branch has after it, or not on it (rewritten away by a force-push, or never on it).
   */
  async onBranch(commit: string): Promise<{ on: true; commitsAfter: number } | { on: false }> {
    const comparison = await this.compare(commit, await this.branch());
    if (comparison.order === 'ahead' || comparison.order === 'identical') return { on: true, commitsAfter: comparison.aheadBy };
    return { on: false };
  }
}

/** Files changed between two commits, or `all` when GitHub cannot list them all (or there is no base). */
export async function listComparedPaths(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  base: string,
  head: string,
): Promise<ChangedPath[] | 'all'> {
  if (/^0+$/.test(base)) return 'all';
  return (await compareCommits(octokit, repo, base, head)).files;
}
/** The pull requests a commit on the default branch came from (the merged PR of a merge commit). */
export async function pullRequestsOfCommit(octokit: GitHubClient, repo: RepoCoordinates, sha: string): Promise<number[]> {
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha });
  return data.filter((pr) => pr.merged_at !== null).map((pr) => pr.number);
}

/** True when a user may approve builds: admin, maintain or write permission on the repository. */
export async function canApproveBuilds(octokit: GitHubClient, repo: RepoCoordinates, username: string): Promise<boolean> {
  const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
  return ['admin', 'maintain', 'write'].includes(data.role_name ?? data.permission);
}
