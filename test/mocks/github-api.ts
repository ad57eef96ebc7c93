import nock from 'nock';

/**
 * Reusable nock builders for the GitHub REST API calls Dockyard makes, shaped like the documented
 * responses (docs.github.com/rest: repos/contents, pulls/files, git/trees, git/blobs, checks/runs,
 * issues/comments). Each returns the scope so a test can assert it is done.
 */
export const api = 'https://api.github.com';
export const repoPath = '/repos/Codertocat/Hello-World';

export function mockInstallationToken(scope: nock.Scope, installationId = 1): nock.Scope {
  return scope.post(`/app/installations/${installationId}/access_tokens`).reply(200, {
    token: 'ghs_test',
    expires_at: '2099-01-01T00:00:00Z',
    permissions: { checks: 'write', contents: 'read', pull_requests: 'write', issues: 'write' },
  });
}

export function mockFile(scope: nock.Scope, path: string, ref: string, text: string | null): nock.Scope {
  const request = scope.get(`${repoPath}/contents/${encodeURIComponent(path)}`).query({ ref });
  if (text === null) return request.reply(404, { message: 'Not Found', status: '404' });
  return request.reply(200, {
    type: 'file',
    encoding: 'base64',
    name: path.split('/').pop(),
    path,
    sha: `sha-of-${path}`,
    content: Buffer.from(text).toString('base64'),
  });
}

export function mockPullFiles(
  scope: nock.Scope,
  number: number,
  files: { filename: string; status: string; previous_filename?: string }[],
): nock.Scope {
  return scope.get(`${repoPath}/pulls/${number}/files`).query({ per_page: 100 }).reply(200, files);
}

/** A catalog at a commit: the root tree, the catalog tree and every blob, as the Git data API serves them. */
export function mockCatalogTree(
  scope: nock.Scope,
  commitSha: string,
  files: Record<string, string | { symlink: string }>,
): nock.Scope {
  scope.get(`${repoPath}/git/trees/${commitSha}`).reply(200, {
    sha: commitSha,
    truncated: false,
    tree: [
      { path: '.github', mode: '040000', type: 'tree', sha: 'tree-github' },
      { path: 'images', mode: '040000', type: 'tree', sha: 'tree-images' },
      { path: 'README.md', mode: '100644', type: 'blob', sha: 'blob-readme' },
    ],
  });
  const entries: object[] = [];
  const folders = new Set<string>();
  for (const [path, content] of Object.entries(files)) {
    const folder = path.split('/')[0] ?? '';
    if (!folders.has(folder)) {
      folders.add(folder);
      entries.push({ path: folder, mode: '040000', type: 'tree', sha: `tree-${folder}` });
    }
    const sha = `blob-${path.replace(/\W/g, '-')}`;
    const symlink = typeof content === 'object';
    entries.push({ path, mode: symlink ? '120000' : '100644', type: 'blob', sha });
    // Dockyard reads only the files it needs from each folder.
    if (!/^[^/]+\/(Dockerfile|image\.yml)$/.test(path)) continue;
    scope.get(`${repoPath}/git/blobs/${sha}`).reply(200, {
      sha,
      encoding: 'base64',
      content: Buffer.from(symlink ? content.symlink : content).toString('base64'),
    });
  }
  return scope.get(`${repoPath}/git/trees/tree-images`).query({ recursive: 'true' }).reply(200, {
    sha: 'tree-images',
    truncated: false,
    tree: entries,
  });
}

export function mockComments(scope: nock.Scope, number: number, comments: { id: number; body: string; type?: string }[]): nock.Scope {
  return scope
    .get(`${repoPath}/issues/${number}/comments`)
    .query({ per_page: 100 })
    .reply(
      200,
      comments.map((comment) => ({ id: comment.id, body: comment.body, user: { login: 'dockyard[bot]', type: comment.type ?? 'Bot' } })),
    );
}
