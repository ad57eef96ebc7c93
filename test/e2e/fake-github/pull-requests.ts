import type { FakeComment, FakeGitHub, FakePull, FakeRepo } from './fake-github.ts';
import type { FileChanges } from './git-repo.ts';

/** What people do on the fake: push branches, open and merge pull requests, comment. */

/** Commits `changes` on the default branch and returns `{ before, after }` for the push event. */
export async function pushToDefault(repo: FakeRepo, changes: FileChanges, message = 'change'): Promise<{ before: string; after: string }> {
  const before = (await repo.git.resolve(repo.defaultBranch)) ?? '0'.repeat(40);
  const after = await repo.git.commit(changes, { parents: before.startsWith('0000') ? [] : [before], message, branch: repo.defaultBranch });
  return { before, after };
}

let nextNumber = 1;

/** Opens a pull request whose head is one commit of `changes` on the default branch's head. */
export async function openPull(repo: FakeRepo, changes: FileChanges, options: { author?: string; fork?: boolean; title?: string } = {}): Promise<FakePull> {
  const base = await repo.git.resolve(repo.defaultBranch);
  if (!base) throw new Error('the default branch has no commit yet');
  const number = nextNumber++;
  const headRef = `change-${number}`;
  const headSha = await repo.git.commit(changes, { parents: [base], message: options.title ?? `pull request ${number}`, ...(options.fork ? {} : { branch: headRef }) });
  // A fork's head lives in the fork; GitHub keeps it under refs/pull/N/head of the base repository too.
  await repo.git.git(['update-ref', `refs/pull/${number}/head`, headSha]);
  const now = new Date().toISOString();
  const pull: FakePull = {
    number,
    title: options.title ?? `Pull request ${number}`,
    author: options.author ?? (options.fork ? 'outside-contributor' : 'octocat'),
    headRef,
    headSha,
    baseRef: repo.defaultBranch,
    fork: options.fork ?? false,
    state: 'open',
    mergedAt: null,
    mergeCommitSha: null,
    createdAt: now,
    updatedAt: now,
  };
  repo.pulls.set(number, pull);
  return pull;
}

/** Pushes one more commit of `changes` to a pull request's head (a `synchronize`). */
export async function pushToPull(repo: FakeRepo, pull: FakePull, changes: FileChanges): Promise<{ before: string; after: string }> {
  const before = pull.headSha;
  const after = await repo.git.commit(changes, { parents: [before], message: `update ${pull.number}`, ...(pull.fork ? {} : { branch: pull.headRef }) });
  await repo.git.git(['update-ref', `refs/pull/${pull.number}/head`, after]);
  pull.headSha = after;
  pull.updatedAt = new Date().toISOString();
  return { before, after };
}

/** Merges a pull request with a merge commit on the default branch; returns the push's `before` and `after`. */
export async function mergePull(repo: FakeRepo, pull: FakePull): Promise<{ before: string; after: string }> {
  const before = await repo.git.resolve(repo.defaultBranch);
  if (!before) throw new Error('no default branch');
  // The merged tree is the head's: these tests merge heads made on the current default branch.
  const after = await repo.git.commit({}, { parents: [before, pull.headSha], tree: pull.headSha, message: `Merge pull request #${pull.number}`, branch: repo.defaultBranch });
  const now = new Date().toISOString();
  Object.assign(pull, { state: 'closed', mergedAt: now, mergeCommitSha: after, updatedAt: now });
  return { before, after };
}

/** A person's comment on a pull request, as GitHub stores it before it sends `issue_comment.created`. */
export function addComment(github: FakeGitHub, repo: FakeRepo, pull: FakePull, login: string, body: string): FakeComment {
  const now = new Date().toISOString();
  const comment: FakeComment = { id: github.nextId(), issue: pull.number, body, user: { login, id: 9000 + login.length, type: 'User' }, createdAt: now, updatedAt: now };
  repo.comments.push(comment);
  return comment;
}
