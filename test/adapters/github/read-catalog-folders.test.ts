import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearBlobCache, readCatalogFolders } from '../../../src/adapters/github/read-catalog-folders.ts';
import type { GitHubClient } from '../../../src/adapters/github/github-client.ts';
import { buildCatalog } from '../../../src/domain/catalog/build-catalog.ts';
import { decodeDockerfile } from '../../../src/domain/dockerfile/decode-dockerfile.ts';
import { UserError } from '../../../src/errors.ts';
import { catalogConfig } from '../../domain/catalog/catalog-fixtures.ts';
import { api, repoPath } from '../../mocks/github-api.ts';

const repo = { owner: 'Codertocat', repo: 'Hello-World' };
const commit = 'c0ffee0000000000000000000000000000000000';
const octokit = new ProbotOctokit({ auth: { token: 'ghs_test' }, retry: { enabled: false }, throttle: { enabled: false } }) as unknown as GitHubClient;
let github: nock.Scope;

beforeAll(() => {
  nock.disableNetConnect();
});

beforeEach(() => {
  clearBlobCache();
  github = nock(api);
});

afterEach(() => {
  // Every mocked request was made, and no other: an unmocked blob fetch fails the read itself.
  expect(github.isDone()).toBe(true);
  nock.cleanAll();
});

function rootTree(images: { mode: string; type: string }): void {
  github.get(`${repoPath}/git/trees/${commit}`).reply(200, {
    sha: commit,
    truncated: false,
    tree: [{ path: 'images', sha: 'tree-images', ...images }],
  });
}

function catalogTree(entries: object[]): void {
  github.get(`${repoPath}/git/trees/tree-images`).query({ recursive: 'true' }).reply(200, { sha: 'tree-images', truncated: false, tree: entries });
}

function blob(sha: string, text: string): void {
  github.get(`${repoPath}/git/blobs/${sha}`).reply(200, { sha, encoding: 'base64', content: Buffer.from(text).toString('base64') });
}

describe('readCatalogFolders', () => {
  it('judges an oversized Dockerfile and image.yml by the listed size, without fetching them', async () => {
    const size = 2 * 1024 * 1024;
    rootTree({ mode: '040000', type: 'tree' });
    catalogTree([
      { path: 'huge', mode: '040000', type: 'tree', sha: 'tree-huge' },
      { path: 'huge/Dockerfile', mode: '100644', type: 'blob', sha: 'blob-huge-dockerfile', size },
      { path: 'huge/image.yml', mode: '100644', type: 'blob', sha: 'blob-huge-metadata', size: 70 * 1024 },
    ]);

    const folders = await readCatalogFolders(octokit, repo, commit, 'images');

    expect(folders).toEqual([
      { name: 'huge', treeSha: 'tree-huge', dockerfile: { kind: 'oversized', size }, metadata: { kind: 'oversized', size: 70 * 1024 } },
    ]);
    const local = decodeDockerfile(new Uint8Array(size));
    expect(buildCatalog(folders, catalogConfig()).findings.map((finding) => [finding.file, finding.rule, finding.message])).toEqual([
      ['images/huge/Dockerfile', 'DY010', 'problem' in local ? local.problem.message : ''],
      [
        'images/huge/image.yml',
        'DY019',
        '`images/huge/image.yml` is 70 KiB, over the 64 KiB Dockyard reads of an image.yml: keep it to the description, label, owners and jenkins settings.',
      ],
    ]);
  });

  it('reports an image folder that is a symlink, reading only the link itself', async () => {
    rootTree({ mode: '040000', type: 'tree' });
    catalogTree([
      { path: 'evil', mode: '120000', type: 'blob', sha: 'blob-evil', size: 4 },
      { path: 'python', mode: '040000', type: 'tree', sha: 'tree-python' },
      { path: 'python/Dockerfile', mode: '100644', type: 'blob', sha: 'blob-python', size: 12 },
    ]);
    blob('blob-evil', '/etc');
    blob('blob-python', 'FROM scratch');

    const folders = await readCatalogFolders(octokit, repo, commit, 'images');

    expect(folders).toEqual([
      { name: 'evil', linkTarget: '/etc', dockerfile: { kind: 'missing' }, metadata: { kind: 'missing' } },
      { name: 'python', treeSha: 'tree-python', dockerfile: { kind: 'file', bytes: Buffer.from('FROM scratch') }, metadata: { kind: 'missing' } },
    ]);
    expect(buildCatalog(folders, catalogConfig()).findings.map((finding) => [finding.file, finding.rule])).toEqual([['images/evil', 'DY018']]);
  });

  it('refuses a catalog folder that is a symlink', async () => {
    rootTree({ mode: '120000', type: 'blob' });

    await expect(readCatalogFolders(octokit, repo, commit, 'images')).rejects.toThrow(
      new UserError(
        'The catalog folder `images/` is a symlink at c0ffee0; Dockyard never follows a link out of the repository. Make it a real folder, or set `catalog:` in .github/dockyard.yml to one.',
      ),
    );
  });
});
