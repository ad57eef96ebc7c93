import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type nock from 'nock';
import { Header, Pax, type HeaderData } from 'tar';
import { gitBlobSha } from '../../src/adapters/github/read-archive.ts';
import { repoPath } from './github-api.ts';

/** Where GitHub redirects a tarball download (docs.github.com/rest/repos/contents#download-a-repository-archive-tar). */
export const codeload = 'https://codeload.github.com';

type Content = string | { symlink: string };

/**
 * A repository at one commit with a catalog under `images/`, served as GitHub serves it: trees with
 * git blob shas and sizes, blobs by sha, and the commit's tarball behind the API's redirect to codeload.
 */
export class CatalogCommit {
  readonly sha: string;
  /** Paths inside the repository. */
  readonly files: ReadonlyMap<string, Content>;

  constructor(sha: string, files: Record<string, Content>) {
    this.sha = sha;
    this.files = new Map(Object.entries(files));
  }

  /** The git blob sha of a file of this commit. */
  blobSha(path: string): string {
    return gitBlobSha(bytesOf(this.files.get(path) ?? ''));
  }

  /** The root tree and the recursive catalog tree, as `git/trees` lists them. */
  mockTrees(scope: nock.Scope): void {
    const catalogTree = `tree-images-${this.sha}`;
    scope.get(`${repoPath}/git/trees/${this.sha}`).reply(200, {
      sha: this.sha,
      truncated: false,
      tree: [
        { path: '.github', mode: '040000', type: 'tree', sha: 'tree-github' },
        { path: 'images', mode: '040000', type: 'tree', sha: catalogTree },
      ],
    });
    const entries: object[] = [];
    const folders = new Set<string>();
    for (const [path, content] of this.files) {
      if (!path.startsWith('images/')) continue;
      const inside = path.slice('images/'.length);
      const folder = inside.split('/')[0] ?? '';
      if (inside.includes('/') && !folders.has(folder)) {
        folders.add(folder);
        entries.push({ path: folder, mode: '040000', type: 'tree', sha: `tree-${folder}` });
      }
      const mode = typeof content === 'object' ? '120000' : '100644';
      entries.push({ path: inside, mode, type: 'blob', sha: this.blobSha(path), size: bytesOf(content).byteLength });
    }
    scope.get(`${repoPath}/git/trees/${catalogTree}`).query({ recursive: 'true' }).reply(200, { sha: catalogTree, truncated: false, tree: entries });
  }

  /** One `git/blobs` answer per path. */
  mockBlobs(scope: nock.Scope, paths: readonly string[]): void {
    for (const path of paths) {
      const sha = this.blobSha(path);
      scope.get(`${repoPath}/git/blobs/${sha}`).reply(200, { sha, size: bytesOf(this.files.get(path) ?? '').byteLength, encoding: 'base64', content: bytesOf(this.files.get(path) ?? '').toString('base64') });
    }
  }

  /** The tarball download: the API's 302 and codeload's gzipped archive, `edit` applied to its entries. */
  async mockTarball(api: nock.Scope, codeloadScope: nock.Scope, edit?: (path: string, bytes: Buffer) => Buffer | null): Promise<void> {
    const location = `${codeload}/Codertocat/Hello-World/legacy.tar.gz/${this.sha}`;
    api.get(`${repoPath}/tarball/${this.sha}`).reply(302, '', { location });
    codeloadScope.get(`/Codertocat/Hello-World/legacy.tar.gz/${this.sha}`).reply(200, await this.tarball(edit), { 'content-type': 'application/x-gzip' });
  }

  /**
   * The commit's archive, laid out as GitHub's are (`git archive`): a pax global header holding the
   * commit, then everything under one top folder `<owner>-<repo>-<short sha>/`. Headers are encoded
   * one by one, which keeps a 12,000-image archive quick to make.
   */
  async tarball(edit?: (path: string, bytes: Buffer) => Buffer | null): Promise<Buffer> {
    const top = `Codertocat-Hello-World-${this.sha.slice(0, 7)}`;
    const mtime = new Date(0);
    const blocks: Buffer[] = [new Pax({ comment: this.sha, mtime }, true).encode()];
    const add = (data: HeaderData, body?: Buffer) => {
      const header = new Header({ uid: 0, gid: 0, mtime, size: body?.byteLength ?? 0, ...data });
      const block = Buffer.alloc(512);
      if (header.encode(block)) throw new Error(`${data.path} needs a pax header; keep test paths short`);
      blocks.push(block);
      if (body) blocks.push(body, Buffer.alloc((512 - (body.byteLength % 512)) % 512));
    };
    add({ path: `${top}/`, type: 'Directory', mode: 0o775 });
    const folders = new Set<string>();
    for (const [path, content] of this.files) {
      const parts = path.split('/');
      for (let depth = 1; depth < parts.length; depth++) {
        const folder = parts.slice(0, depth).join('/');
        if (folders.has(folder)) continue;
        folders.add(folder);
        add({ path: `${top}/${folder}/`, type: 'Directory', mode: 0o775 });
      }
      if (typeof content === 'object') {
        add({ path: `${top}/${path}`, type: 'SymbolicLink', linkpath: content.symlink, mode: 0o777 });
        continue;
      }
      const bytes = edit ? edit(path, bytesOf(content)) : bytesOf(content);
      if (bytes) add({ path: `${top}/${path}`, type: 'File', mode: 0o664 }, bytes);
    }
    blocks.push(Buffer.alloc(1024));
    return promisify(gzip)(Buffer.concat(blocks));
  }
}

function bytesOf(content: Content): Buffer {
  return Buffer.from(typeof content === 'object' ? content.symlink : content, 'utf8');
}

/** A catalog of `count` images: `base` from an upstream, every other image from `base`, each with an image.yml. */
export function generatedCatalog(count: number, upstream: string): Record<string, string> {
  const files: Record<string, string> = { 'images/base/Dockerfile': `FROM ${upstream}\nUSER jenkins\n`, 'images/base/image.yml': 'description: the base agent\n' };
  for (let i = 1; i < count; i++) {
    const name = `tool-${String(i).padStart(5, '0')}`;
    files[`images/${name}/Dockerfile`] = `ARG REGISTRY=registry.example.com\nFROM \${REGISTRY}/jenkins-agents/base\nRUN echo ${name}\nUSER jenkins\n`;
    files[`images/${name}/image.yml`] = `description: agent ${name}\n`;
  }
  return files;
}
