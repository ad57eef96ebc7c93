import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { downloadCatalog } from '../../../src/adapters/github/download-catalog.ts';
import { api } from '../../mocks/github-api.ts';
import { CatalogCommit, codeload } from '../../mocks/github-catalog.ts';
import { testOctokit } from '../../mocks/test-probot.ts';

const octokit = testOctokit();

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
});

describe('downloadCatalog', () => {
  it('unpacks the catalog from the tarball behind GitHub\'s redirect, leaving out image folders that are links', async () => {
    const commit = new CatalogCommit('f'.repeat(40), {
      'README.md': 'not unpacked\n',
      'images/base/Dockerfile': 'FROM scratch\n',
      'images/base/motd': { symlink: '../base/Dockerfile' },
      'images/evil': { symlink: '/etc' },
    });
    const github = nock(api);
    const archives = nock(codeload);
    await commit.mockTarball(github, archives);
    const target = await mkdtemp(path.join(tmpdir(), 'dockyard-download-'));
    try {
      await downloadCatalog(octokit, { owner: 'Codertocat', repo: 'Hello-World' }, commit.sha, 'images', target);

      expect(await readdir(target)).toEqual(['images']);
      expect((await readdir(path.join(target, 'images'))).sort()).toEqual(['base']);
      expect(await readFile(path.join(target, 'images/base/Dockerfile'), 'utf8')).toBe('FROM scratch\n');
      expect(await readlink(path.join(target, 'images/base/motd'))).toBe('../base/Dockerfile');
      expect(github.pendingMocks()).toEqual([]);
      expect(archives.pendingMocks()).toEqual([]);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });
});
