import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveThreshold, readCatalogFolders } from '../../../src/adapters/github/read-catalog-folders.ts';
import { StateStore } from '../../../src/adapters/state/state-store.ts';
import { buildCatalog } from '../../../src/domain/catalog/build-catalog.ts';
import { decodeDockerfile } from '../../../src/domain/dockerfile/decode-dockerfile.ts';
import { UserError } from '../../../src/errors.ts';
import { catalogConfig } from '../../domain/catalog/catalog-fixtures.ts';
import { api, repoPath } from '../../mocks/github-api.ts';
import { CatalogCommit, codeload } from '../../mocks/github-catalog.ts';
import { testOctokit } from '../../mocks/test-probot.ts';

const repo = { owner: 'Codertocat', repo: 'Hello-World' };
const commit = 'c0ffee0000000000000000000000000000000000';
const octokit = testOctokit();
let github: nock.Scope;
let archives: nock.Scope;

beforeAll(() => {
  nock.disableNetConnect();
});

beforeEach(() => {
  github = nock(api);
  archives = nock(codeload);
});

afterEach(() => {
  // Every mocked request was made, and no other: an unmocked blob fetch fails the read itself.
  expect(github.pendingMocks()).toEqual([]);
  expect(archives.pendingMocks()).toEqual([]);
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

  it('fetches only the blobs the store does not know, and keeps them across a restart', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dockyard-blobs-'));
    try {
      const file = path.join(dir, 'state.sqlite');
      const before = new CatalogCommit('a'.repeat(40), {
        'images/base/Dockerfile': 'FROM scratch\n',
        'images/base/image.yml': 'description: base\n',
        'images/python/Dockerfile': 'FROM base\n',
        'images/python/notes.txt': 'never read\n',
      });
      before.mockTrees(github);
      before.mockBlobs(github, ['images/base/Dockerfile', 'images/base/image.yml', 'images/python/Dockerfile']);
      const first = new StateStore(file);
      await readCatalogFolders(octokit, repo, before.sha, 'images', first.blobs);
      first.close();

      const after = new CatalogCommit('b'.repeat(40), { ...Object.fromEntries(before.files), 'images/python/Dockerfile': 'FROM base\nUSER jenkins\n' });
      after.mockTrees(github);
      after.mockBlobs(github, ['images/python/Dockerfile']);
      const restarted = new StateStore(file);
      const folders = await readCatalogFolders(octokit, repo, after.sha, 'images', restarted.blobs);
      restarted.close();

      expect(folders).toEqual([
        {
          name: 'base',
          treeSha: 'tree-base',
          dockerfile: { kind: 'file', bytes: Buffer.from('FROM scratch\n') },
          metadata: { kind: 'file', bytes: Buffer.from('description: base\n') },
        },
        { name: 'python', treeSha: 'tree-python', dockerfile: { kind: 'file', bytes: Buffer.from('FROM base\nUSER jenkins\n') }, metadata: { kind: 'missing' } },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(`takes more than ${archiveThreshold} unknown blobs from one tarball, trusting only bytes whose git sha is the tree's`, async () => {
    const files: Record<string, string | { symlink: string }> = {
      'images/evil': { symlink: '/etc' },
      'images/linked/Dockerfile': { symlink: '../base/Dockerfile' },
      'images/huge/Dockerfile': `FROM scratch\n${'#'.repeat(1024 * 1024)}\n`,
      'images/substituted/Dockerfile': 'FROM scratch\nLABEL commit=$Format:%H$\n',
      'README.md': 'not in the catalog\n',
    };
    for (let i = 0; i < archiveThreshold; i++) files[`images/tool-${i}/Dockerfile`] = `FROM scratch\nRUN echo ${i}\n`;
    const commit = new CatalogCommit('c'.repeat(40), files);
    commit.mockTrees(github);
    // `export-subst` in .gitattributes: the archive's bytes are not the commit's, so that blob is read from the API.
    await commit.mockTarball(github, archives, (file, bytes) => (file === 'images/substituted/Dockerfile' ? Buffer.from('FROM scratch\nLABEL commit=c0ffee\n') : bytes));
    commit.mockBlobs(github, ['images/substituted/Dockerfile']);
    const store = new StateStore(':memory:');

    const folders = await readCatalogFolders(octokit, repo, commit.sha, 'images', store.blobs);

    const byName = new Map(folders.map((folder) => [folder.name, folder]));
    expect(folders.map((folder) => folder.name)).toEqual(['evil', 'huge', 'linked', 'substituted', ...Array.from({ length: archiveThreshold }, (_, i) => `tool-${i}`).sort()]);
    expect(byName.get('evil')).toEqual({ name: 'evil', linkTarget: '/etc', dockerfile: { kind: 'missing' }, metadata: { kind: 'missing' } });
    expect(byName.get('linked')?.dockerfile).toEqual({ kind: 'symlink', target: '../base/Dockerfile' });
    expect(byName.get('huge')?.dockerfile).toEqual({ kind: 'oversized', size: 1024 * 1024 + 14 });
    expect(byName.get('substituted')?.dockerfile).toEqual({ kind: 'file', bytes: Buffer.from('FROM scratch\nLABEL commit=$Format:%H$\n') });
    expect(byName.get('tool-7')?.dockerfile).toEqual({ kind: 'file', bytes: Buffer.from('FROM scratch\nRUN echo 7\n') });
    // What the archive gave is kept; the oversized Dockerfile was never taken from it.
    expect(store.blobs.knownBlobs([commit.blobSha('images/tool-7/Dockerfile'), commit.blobSha('images/evil')]).size).toBe(2);
    expect(store.blobs.knownBlobs([commit.blobSha('images/huge/Dockerfile')]).size).toBe(0);

    // Read again: every blob is known, so only the trees are requested.
    commit.mockTrees(github);
    expect(await readCatalogFolders(octokit, repo, commit.sha, 'images', store.blobs)).toEqual(folders);
  });

  it('refuses a catalog its archive leaves out, rather than reading it blob by blob', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i <= archiveThreshold * 2; i++) files[`images/tool-${i}/Dockerfile`] = `FROM scratch\nRUN echo ${i}\n`;
    const commit = new CatalogCommit('d'.repeat(40), files);
    commit.mockTrees(github);
    // `export-ignore` on the catalog: the archive holds none of it.
    await commit.mockTarball(github, archives, () => null);

    await expect(readCatalogFolders(octokit, repo, commit.sha, 'images', new StateStore(':memory:').blobs)).rejects.toThrow(
      new UserError(
        '17 catalog files (`images/tool-0/Dockerfile`, `images/tool-1/Dockerfile`, `images/tool-10/Dockerfile`, …) are missing from GitHub\'s archive of ddddddd or differ there from the commit, so Dockyard cannot read the catalog in one download. Remove `export-ignore` and `export-subst` for the catalog folder from .gitattributes.',
      ),
    );
  });

  it('refuses a catalog tree GitHub truncated, rather than leaving images out', async () => {
    rootTree({ mode: '040000', type: 'tree' });
    github.get(`${repoPath}/git/trees/tree-images`).query({ recursive: 'true' }).reply(200, { sha: 'tree-images', truncated: true, tree: [] });

    await expect(readCatalogFolders(octokit, repo, commit, 'images')).rejects.toThrow(
      new UserError(
        'The catalog folder `images/` at c0ffee0 holds more entries than GitHub lists in one tree (100,000 entries or 7 MB), so Dockyard cannot read all of it. Keep only the image folders in it, or split the catalog.',
      ),
    );
  });
});
