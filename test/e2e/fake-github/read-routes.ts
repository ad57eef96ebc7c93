import { notFound, type FakeRepo, type Route, type RouteAnswer } from './fake-github.ts';
import type { ChangedFile } from './git-repo.ts';
import { apiUrl, paginate, pullShape, repoShape, wrappedBase64 } from './shapes.ts';

const repo = '/repos/([^/]+)/([^/]+)';

function need(repoState: FakeRepo | undefined): FakeRepo {
  if (!repoState) throw new Error('route needs a repository');
  return repoState;
}

function fileShape(file: ChangedFile, sha: string) {
  return {
    sha,
    filename: file.filename,
    status: file.status,
    additions: 0,
    deletions: 0,
    changes: 0,
    ...(file.previousFilename ? { previous_filename: file.previousFilename } : {}),
  };
}

/** The GET routes: repository, contents, Git data, archive, compare, pull requests, permissions. */
export const readRoutes: Route[] = [
  // docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app
  [
    'POST',
    /^\/app\/installations\/(\d+)\/access_tokens$/,
    ({ github }) => ({
      status: 201,
      body: {
        token: github.issueToken(),
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: { checks: 'write', contents: 'read', issues: 'write', pull_requests: 'write', metadata: 'read' },
        repository_selection: 'all',
      },
    }),
  ],
  // docs.github.com/rest/repos/repos#get-a-repository
  ['GET', new RegExp(`^${repo}$`), ({ github, repo: r }) => ({ status: 200, body: repoShape(github, need(r)) })],
  // docs.github.com/rest/branches/branches#get-a-branch
  [
    'GET',
    new RegExp(`^${repo}/branches/([^/]+)$`),
    async ({ github, repo: r, params }) => {
      const name = params[2] ?? '';
      const sha = await need(r).git.resolve(`refs/heads/${name}`);
      if (!sha) return { status: 404, body: { message: 'Branch not found', documentation_url: 'https://docs.github.com/rest/branches/branches#get-a-branch', status: '404' } };
      return {
        status: 200,
        body: {
          name,
          commit: { sha, url: apiUrl(github, `/repos/${need(r).fullName}/commits/${sha}`), commit: { tree: { sha: await need(r).git.treeOf(sha) } } },
          protected: false,
          _links: { self: apiUrl(github, `/repos/${need(r).fullName}/branches/${name}`), html: `http://${github.host}/${need(r).fullName}/tree/${name}` },
        },
      };
    },
  ],
  // docs.github.com/rest/repos/contents#get-repository-content (a file: base64 content; a folder: its entries)
  [
    'GET',
    new RegExp(`^${repo}/contents/(.+)$`),
    async ({ github, repo: r, url, params }) => {
      const git = need(r).git;
      const file = params[2] ?? '';
      const commit = await git.resolve(url.searchParams.get('ref') ?? need(r).defaultBranch);
      const entry = commit ? await git.entryAt(commit, file) : undefined;
      if (!commit || !entry) return notFound;
      const fullName = need(r).fullName;
      const links = { self: apiUrl(github, `/repos/${fullName}/contents/${file}`), git: apiUrl(github, `/repos/${fullName}/git/blobs/${entry.sha}`) };
      if (entry.type === 'tree') {
        const entries = await git.listTree(`${commit}:${file}`, false);
        return {
          status: 200,
          body: entries.map((child) => ({ type: child.type === 'tree' ? 'dir' : 'file', size: child.size ?? 0, name: child.path, path: `${file}/${child.path}`, sha: child.sha })),
        };
      }
      const bytes = (await git.readBlob(entry.sha)) ?? Buffer.alloc(0);
      if (entry.mode === '120000') {
        return { status: 200, body: { type: 'symlink', target: bytes.toString('utf8'), size: bytes.length, name: file.split('/').pop(), path: file, sha: entry.sha, url: links.self, git_url: links.git, _links: links } };
      }
      return {
        status: 200,
        body: {
          type: 'file',
          encoding: 'base64',
          size: bytes.length,
          name: file.split('/').pop(),
          path: file,
          content: wrappedBase64(bytes),
          sha: entry.sha,
          url: links.self,
          git_url: links.git,
          html_url: null,
          download_url: null,
          _links: { ...links, html: null },
        },
      };
    },
  ],
  // docs.github.com/rest/git/trees#get-a-tree (tree_sha: a tree, a commit or a ref)
  [
    'GET',
    new RegExp(`^${repo}/git/trees/([^/]+)$`),
    async ({ github, repo: r, url, params }) => {
      const git = need(r).git;
      const tree = await git.treeOf(params[2] ?? '');
      if (!tree) return notFound;
      const recursive = url.searchParams.has('recursive');
      const entries = await git.listTree(tree, recursive);
      return {
        status: 200,
        body: {
          sha: tree,
          url: apiUrl(github, `/repos/${need(r).fullName}/git/trees/${tree}`),
          tree: entries.map((entry) => ({
            path: entry.path,
            mode: entry.mode,
            type: entry.type,
            sha: entry.sha,
            ...(entry.size === undefined ? {} : { size: entry.size }),
            url: apiUrl(github, `/repos/${need(r).fullName}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}`),
          })),
          truncated: false,
        },
      };
    },
  ],
  // docs.github.com/rest/git/blobs#get-a-blob
  [
    'GET',
    new RegExp(`^${repo}/git/blobs/([0-9a-f]{40})$`),
    async ({ github, repo: r, params }) => {
      const sha = params[2] ?? '';
      const bytes = await need(r).git.readBlob(sha);
      if (!bytes) return notFound;
      return { status: 200, body: { sha, node_id: `B_${sha}`, size: bytes.length, url: apiUrl(github, `/repos/${need(r).fullName}/git/blobs/${sha}`), content: wrappedBase64(bytes), encoding: 'base64' } };
    },
  ],
  // docs.github.com/rest/repos/contents#download-a-repository-archive-tar: a 302 to codeload, which serves the archive.
  [
    'GET',
    new RegExp(`^${repo}/tarball/(.+)$`),
    async ({ github, repo: r, params }) => {
      const commit = await need(r).git.resolve(params[2] ?? '');
      if (!commit) return notFound;
      return { status: 302, headers: { location: `http://${github.host}/_codeload/${need(r).fullName}/legacy.tar.gz/${commit}` } };
    },
  ],
  [
    'GET',
    /^\/_codeload\/([^/]+)\/([^/]+)\/legacy\.tar\.gz\/([0-9a-f]{40})$/,
    async ({ github, params }) => {
      const r = github.repos.get(`${params[0]}/${params[1]}`);
      const commit = params[2] ?? '';
      if (!r || !(await r.git.resolve(commit))) return notFound;
      const raw = await r.git.archive(commit, `${r.owner}-${r.name}-${commit.slice(0, 7)}`);
      return { status: 200, raw, headers: { 'content-type': 'application/x-gzip', 'content-disposition': `attachment; filename=${r.owner}-${r.name}-${commit.slice(0, 7)}.tar.gz` } };
    },
  ],
  // docs.github.com/rest/commits/commits#compare-two-commits (basehead `BASE...HEAD`; 404 for an unknown commit or no common ancestor)
  [
    'GET',
    new RegExp(`^${repo}/compare/(.+)\\.\\.\\.(.+)$`),
    async ({ github, repo: r, params }) => {
      const git = need(r).git;
      const [base, head] = [await git.resolve(params[2] ?? ''), await git.resolve(params[3] ?? '')];
      if (!base || !head) return notFound;
      const mergeBase = await git.mergeBase(base, head);
      if (!mergeBase) return { status: 404, body: { message: `No common ancestor between ${params[2]} and ${params[3]}.` } };
      const aheadBy = await git.countCommits(`${base}..${head}`);
      const behindBy = await git.countCommits(`${head}..${base}`);
      const status = aheadBy === 0 && behindBy === 0 ? 'identical' : behindBy === 0 ? 'ahead' : aheadBy === 0 ? 'behind' : 'diverged';
      const commits = (await git.listCommits(`${base}..${head}`)).reverse();
      const files = await git.diff(mergeBase, head);
      return {
        status: 200,
        body: {
          url: apiUrl(github, `/repos/${need(r).fullName}/compare/${params[2]}...${params[3]}`),
          base_commit: { sha: base },
          merge_base_commit: { sha: mergeBase },
          status,
          ahead_by: aheadBy,
          behind_by: behindBy,
          total_commits: aheadBy,
          commits: commits.map((sha) => ({ sha })),
          files: files.map((file) => fileShape(file, head)),
        },
      };
    },
  ],
  // docs.github.com/rest/pulls/pulls#get-a-pull-request
  [
    'GET',
    new RegExp(`^${repo}/pulls/(\\d+)$`),
    async ({ github, repo: r, params }) => {
      const pull = need(r).pulls.get(Number(params[2]));
      return pull ? { status: 200, body: await pullShape(github, need(r), pull) } : notFound;
    },
  ],
  // docs.github.com/rest/pulls/pulls#list-pull-requests-files (the diff from the merge base with the base branch)
  [
    'GET',
    new RegExp(`^${repo}/pulls/(\\d+)/files$`),
    async ({ github, repo: r, url, params }): Promise<RouteAnswer> => {
      const pull = need(r).pulls.get(Number(params[2]));
      if (!pull) return notFound;
      const git = need(r).git;
      const base = (await git.resolve(pull.baseRef)) ?? '';
      const mergeBase = (await git.mergeBase(base, pull.headSha)) ?? base;
      const files = (await git.diff(mergeBase, pull.headSha)).map((file) => fileShape(file, pull.headSha));
      return paginate(url, github, files);
    },
  ],
  // docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit
  [
    'GET',
    new RegExp(`^${repo}/commits/([0-9a-f]{40})/pulls$`),
    async ({ github, repo: r, params }) => {
      const sha = params[2] ?? '';
      const pulls = [...need(r).pulls.values()].filter((pull) => pull.mergeCommitSha === sha || pull.headSha === sha);
      return { status: 200, body: await Promise.all(pulls.map((pull) => pullShape(github, need(r), pull))) };
    },
  ],
  // docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user
  [
    'GET',
    new RegExp(`^${repo}/collaborators/([^/]+)/permission$`),
    ({ repo: r, params }) => {
      const login = params[2] ?? '';
      const role = need(r).permissions.get(login) ?? 'read';
      const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
      return { status: 200, body: { permission, role_name: role, user: { login, type: 'User' } } };
    },
  ],
];
