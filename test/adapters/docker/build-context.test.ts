import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { extract } from 'tar-stream';
import { prepareBuildContext } from '../../../src/adapters/docker/build-context.ts';
import type { Mirror } from '../../../src/adapters/docker/types.ts';
import { FixtureFolders } from './docker-test-env.ts';

const folders = new FixtureFolders();
const hub: Mirror = { from: 'docker.io', to: '127.0.0.1:5000/mirror' };
const servers: Server[] = [];

afterAll(async () => {
  for (const server of servers) server.close();
  await folders.cleanup();
});

interface TarEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: string;
  linkname?: string;
  content?: string;
}

async function readTar(tar: Readable): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const reader = extract();
  tar.pipe(reader);
  for await (const entry of reader) {
    let content = '';
    for await (const chunk of entry) content += String(chunk);
    const { name, type, mode, uid, gid, mtime, linkname } = entry.header;
    const read: TarEntry = { name, type, mode, uid, gid, mtime: mtime.toISOString() };
    if (linkname) read.linkname = linkname;
    if (type === 'file') read.content = content;
    entries.push(read);
  }
  return entries;
}

async function pack(contextDir: string, mirrors: Mirror[] = [], buildArgs: Record<string, string> = {}) {
  const context = await prepareBuildContext({ contextDir, mirrors, buildArgs });
  if (context.status !== 'ready') throw new Error(`refused: ${context.message}`);
  return context;
}

async function tarHash(contextDir: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of (await pack(contextDir)).tar) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('prepareBuildContext', () => {
  it('packs the folder in sorted order with fixed owner, time and modes, and the Dockerfile through the mirrors', async () => {
    const dir = await folders.create('packed', {
      Dockerfile: 'FROM debian:bookworm\nCOPY . /app\n',
      'b.txt': 'b\n',
      'a/z.txt': 'z\n',
      'a/run.sh': '#!/bin/sh\n',
      'a-link': { symlink: 'a/z.txt' },
    });
    await chmod(path.join(dir, 'a/run.sh'), 0o700);
    await chmod(path.join(dir, 'b.txt'), 0o600);

    const context = await pack(dir, [hub]);
    const entries = await readTar(context.tar);

    const fixed = { uid: 0, gid: 0, mtime: '2000-01-01T00:00:00.000Z' };
    expect(context.dockerfile).toBe('FROM 127.0.0.1:5000/mirror/library/debian:bookworm\nCOPY . /app\n');
    expect(entries).toEqual([
      { ...fixed, name: 'Dockerfile', type: 'file', mode: 0o644, content: context.dockerfile },
      { ...fixed, name: 'a/', type: 'directory', mode: 0o755 },
      { ...fixed, name: 'a/run.sh', type: 'file', mode: 0o755, content: '#!/bin/sh\n' },
      { ...fixed, name: 'a/z.txt', type: 'file', mode: 0o644, content: 'z\n' },
      { ...fixed, name: 'a-link', type: 'symlink', mode: 0o777, linkname: 'a/z.txt' },
      { ...fixed, name: 'b.txt', type: 'file', mode: 0o644, content: 'b\n' },
    ]);
  });

  it('gives the same bytes for the same folder, whenever and in whatever order it was written', async () => {
    const files = { Dockerfile: 'FROM scratch\n', 'x/1.txt': 'one\n', 'x/2.txt': 'two\n', 'y.txt': 'y\n' };
    const first = await folders.create('same', files);
    const reversed = Object.fromEntries(Object.entries(files).reverse());
    const second = await folders.create('same', reversed);
    await utimes(path.join(second, 'y.txt'), new Date('2020-05-05'), new Date('2020-05-05'));
    await chmod(path.join(second, 'x/1.txt'), 0o664);

    expect(await tarHash(second)).toBe(await tarHash(first));
  });

  it('honours .dockerignore as Docker does, and always sends the Dockerfile', async () => {
    const dir = await folders.create('ignored', {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': '# comment\nDockerfile\n*.log\nbuild\n!build/keep.txt\n**/*.tmp\nsecrets/\n',
      'app.log': 'log\n',
      'main.txt': 'main\n',
      'build/drop.txt': 'drop\n',
      'build/keep.txt': 'keep\n',
      'deep/a/b.tmp': 'tmp\n',
      'deep/a/c.txt': 'c\n',
      'secrets/key': 'key\n',
    });

    const names = (await readTar((await pack(dir)).tar)).map((entry) => entry.name);

    expect(names).toEqual([
      '.dockerignore',
      'Dockerfile',
      'build/',
      'build/keep.txt',
      'deep/',
      'deep/a/',
      'deep/a/c.txt',
      'main.txt',
    ]);
  });

  it('refuses symlinks whose target is absolute or climbs out of the folder, naming the file', async () => {
    const absolute = await folders.create('absolute', { Dockerfile: 'FROM scratch\n', 'etc/passwd': { symlink: '/etc/passwd' } });
    const climbing = await folders.create('climbing', { Dockerfile: 'FROM scratch\n', 'sub/up': { symlink: '../../other/x' } });

    expect(await prepareBuildContext({ contextDir: absolute, mirrors: [], buildArgs: {} })).toEqual({
      status: 'refused',
      file: 'images/absolute/etc/passwd',
      message:
        '`images/absolute/etc/passwd` is a symlink to `/etc/passwd`, which is outside the image folder; the build ' +
        'context is the folder and nothing outside it. Copy what you need into the folder, or list the link in .dockerignore.',
    });
    expect(await prepareBuildContext({ contextDir: climbing, mirrors: [], buildArgs: {} })).toMatchObject({
      status: 'refused',
      file: 'images/climbing/sub/up',
    });
  });

  it('keeps symlinks that stay inside, and lets .dockerignore leave out one that does not', async () => {
    const dir = await folders.create('links', {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': 'outside-link\n',
      'outside-link': { symlink: '/etc/passwd' },
      'a/b/up-and-back': { symlink: '../../c.txt' },
      'c.txt': 'c\n',
    });

    const links = (await readTar((await pack(dir)).tar)).filter((entry) => entry.type === 'symlink');

    expect(links.map((entry) => [entry.name, entry.linkname])).toEqual([['a/b/up-and-back', '../../c.txt']]);
  });

  it('refuses a named pipe and a socket', async () => {
    const fifo = await folders.create('fifo', { Dockerfile: 'FROM scratch\n' });
    execFileSync('mkfifo', [path.join(fifo, 'pipe')]);
    const socket = await folders.create('socket', { Dockerfile: 'FROM scratch\n' });
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path.join(socket, 'agent.sock'), resolve));

    expect(await prepareBuildContext({ contextDir: fifo, mirrors: [], buildArgs: {} })).toEqual({
      status: 'refused',
      file: 'images/fifo/pipe',
      message:
        '`images/fifo/pipe` is a named pipe, not a file, folder or symlink, so it cannot go into a build context. ' +
        'Remove it from the folder or list it in .dockerignore.',
    });
    expect(await prepareBuildContext({ contextDir: socket, mirrors: [], buildArgs: {} })).toMatchObject({
      status: 'refused',
      file: 'images/socket/agent.sock',
      message: expect.stringContaining('is a socket'),
    });
  });

  it('refuses a folder without a Dockerfile, a symlinked Dockerfile and one that is not text', async () => {
    const missing = await folders.create('missing', { 'README.md': 'no Dockerfile here\n' });
    const linked = await folders.create('linked', { 'real.Dockerfile': 'FROM scratch\n', Dockerfile: { symlink: 'real.Dockerfile' } });
    const binary = await folders.create('binary', {});
    await writeFile(path.join(binary, 'Dockerfile'), Buffer.from([0x46, 0x00, 0xff, 0xfe]));

    expect(await prepareBuildContext({ contextDir: missing, mirrors: [], buildArgs: {} })).toEqual({
      status: 'refused',
      file: 'images/missing/Dockerfile',
      message: '`images/missing/Dockerfile` does not exist. Each image folder needs a Dockerfile.',
    });
    expect(await prepareBuildContext({ contextDir: linked, mirrors: [], buildArgs: {} })).toEqual({
      status: 'refused',
      file: 'images/linked/Dockerfile',
      message: '`images/linked/Dockerfile` is not a regular file. Dockyard builds only what reviewers see: commit the Dockerfile itself.',
    });
    expect(await prepareBuildContext({ contextDir: binary, mirrors: [], buildArgs: {} })).toEqual({
      status: 'refused',
      file: 'images/binary/Dockerfile',
      message: 'This Dockerfile is not UTF-8 text (it looks binary). Commit the Dockerfile as plain text.',
    });
  });
});
