import type { FakeComment, FakeCheckRun, FakeGitHub, FakePull, FakeRepo } from './fake-github.ts';

// JSON shapes of GitHub's REST answers, the fields the documented examples carry that a client may read.

/** GitHub wraps base64 content at 60 columns in contents and blobs answers. */
export function wrappedBase64(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,60}/g) ?? ['']).join('\n') + '\n';
}

export function apiUrl(github: FakeGitHub, route: string): string {
  return `${github.baseUrl}${route}`;
}

function htmlUrl(github: FakeGitHub, route: string): string {
  return `http://${github.host}${route}`;
}

export function userShape(github: FakeGitHub, login: string, id: number, type: 'User' | 'Bot' | 'Organization' = 'User') {
  return { login, id, node_id: `U_${id}`, type, site_admin: false, url: apiUrl(github, `/users/${encodeURIComponent(login)}`), html_url: htmlUrl(github, `/${login}`) };
}

/** docs.github.com/rest/repos/repos#get-a-repository */
export function repoShape(github: FakeGitHub, repo: FakeRepo, fork = false) {
  const owner = fork ? `${repo.owner}-fork` : repo.owner;
  const id = fork ? repo.id + 500_000 : repo.id;
  return {
    id,
    node_id: `R_${id}`,
    name: repo.name,
    full_name: `${owner}/${repo.name}`,
    owner: userShape(github, owner, id + 1, fork ? 'User' : 'Organization'),
    private: false,
    fork,
    html_url: htmlUrl(github, `/${owner}/${repo.name}`),
    url: apiUrl(github, `/repos/${owner}/${repo.name}`),
    default_branch: repo.defaultBranch,
    visibility: 'public',
  };
}

/** docs.github.com/rest/pulls/pulls#get-a-pull-request */
export async function pullShape(github: FakeGitHub, repo: FakeRepo, pull: FakePull) {
  const baseSha = (await repo.git.resolve(pull.baseRef)) ?? '';
  const headRepo = repoShape(github, repo, pull.fork);
  return {
    id: repo.id * 1000 + pull.number,
    node_id: `PR_${repo.id}_${pull.number}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userShape(github, pull.author, 7000 + pull.author.length),
    body: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.state === 'closed' ? pull.updatedAt : null,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    draft: false,
    merged: pull.mergedAt !== null,
    html_url: htmlUrl(github, `/${repo.fullName}/pull/${pull.number}`),
    url: apiUrl(github, `/repos/${repo.fullName}/pulls/${pull.number}`),
    head: { label: `${headRepo.owner.login}:${pull.headRef}`, ref: pull.headRef, sha: pull.headSha, user: headRepo.owner, repo: headRepo },
    base: { label: `${repo.owner}:${pull.baseRef}`, ref: pull.baseRef, sha: baseSha, user: repoShape(github, repo).owner, repo: repoShape(github, repo) },
    author_association: pull.fork ? 'CONTRIBUTOR' : 'MEMBER',
  };
}

/** docs.github.com/rest/issues/comments#get-an-issue-comment */
export function commentShape(github: FakeGitHub, repo: FakeRepo, comment: FakeComment) {
  return {
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url: apiUrl(github, `/repos/${repo.fullName}/issues/comments/${comment.id}`),
    html_url: htmlUrl(github, `/${repo.fullName}/pull/${comment.issue}#issuecomment-${comment.id}`),
    issue_url: apiUrl(github, `/repos/${repo.fullName}/issues/${comment.issue}`),
    body: comment.body,
    user: userShape(github, comment.user.login, comment.user.id, comment.user.type),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: comment.user.type === 'Bot' ? 'NONE' : 'MEMBER',
  };
}

/** docs.github.com/rest/checks/runs#get-a-check-run */
export function checkRunShape(github: FakeGitHub, repo: FakeRepo, run: FakeCheckRun) {
  return {
    id: run.id,
    node_id: `CR_${run.id}`,
    head_sha: run.headSha,
    external_id: '',
    url: apiUrl(github, `/repos/${repo.fullName}/check-runs/${run.id}`),
    html_url: htmlUrl(github, `/${repo.fullName}/runs/${run.id}`),
    details_url: htmlUrl(github, `/${repo.fullName}/runs/${run.id}`),
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: { ...run.output, annotations_count: run.annotations.length, annotations_url: apiUrl(github, `/repos/${repo.fullName}/check-runs/${run.id}/annotations`) },
    name: run.name,
    check_suite: { id: run.id + 1 },
    app: { id: 123, slug: 'dockyard', name: 'Dockyard' },
    pull_requests: [],
  };
}

/** Answers a list `per_page` items at a time with GitHub's Link header (docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api). */
export function paginate<T>(url: URL, github: FakeGitHub, items: readonly T[]): { status: number; body: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30) || 30);
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const next = new URL(url.toString());
    next.host = github.host;
    next.searchParams.set('page', String(n));
    return `<${next.toString()}>; rel="${rel}"`;
  };
  const links = page < last ? [link(page + 1, 'next'), link(last, 'last')] : [];
  return { status: 200, body: items.slice((page - 1) * perPage, page * perPage), headers: links.length > 0 ? { link: links.join(', ') } : {} };
}
