import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack, type Header } from 'tar-stream';
import { decodeDockerfile } from '../../domain/dockerfile/decode-dockerfile.ts';
import { defaultFrontend } from '../../domain/dockerfile/frontend.ts';
import { applyMirrors } from './apply-mirrors.ts';
import { displayPath, listContext, type ContextEntry, type Refusal } from './list-context.ts';
import type { BuildRequest } from './types.ts';

export interface BuildContext {
  status: 'ready';
  /** The tar stream to send to the engine; read it once. */
  tar: Readable;
  /** The Dockerfile as sent, mirrors applied. */
  dockerfile: string;
}

// Fixed metadata so that the same folder always gives the same bytes, whoever checked it out when.
const fixedHeader = { mtime: new Date('2000-01-01T00:00:00Z'), uid: 0, gid: 0, uname: '', gname: '' } as const;

/**
 * Packs an image folder into a deterministic tar for the build API, with the Dockerfile rewritten
 * through the mirrors; or refuses, before anything is packed, when the folder holds something that
 * must not be sent.
 */
export async function prepareBuildContext(
  request: Pick<BuildRequest, 'contextDir' | 'mirrors' | 'buildArgs' | 'limits' | 'frontend'>,
): Promise<BuildContext | Refusal> {
  const listing = await listContext(request.contextDir);
  if (listing.status === 'refused') return listing;
  const size = listing.entries.reduce((total, entry) => total + (entry.kind === 'file' ? entry.size : 0), listing.dockerfile.length);
  if (request.limits && size > request.limits.maxContextBytes) {
    const mib = (bytes: number) => `${Math.ceil((bytes / 1024 / 1024) * 10) / 10} MiB`;
    return {
      status: 'refused',
      file: displayPath(request.contextDir, ''),
      message: `The image folder is ${mib(size)} as sent to the engine, over the operator's limit of ${mib(request.limits.maxContextBytes)} (\`build.maxContextMiB\`). Leave large files out with .dockerignore, or fetch them during the build.`,
    };
  }
  const decoded = decodeDockerfile(listing.dockerfile);
  if ('problem' in decoded) {
    const file = displayPath(request.contextDir, 'Dockerfile');
    return { status: 'refused', file, message: decoded.problem.message };
  }
  const dockerfile = applyMirrors(decoded.text, request.mirrors, request.buildArgs, request.frontend ?? defaultFrontend);
  const entries: PackEntry[] = [...listing.entries, { kind: 'bytes', path: 'Dockerfile', bytes: Buffer.from(dockerfile) }];
  entries.sort((a, b) => compareEntries(a.path, b.path));
  return { status: 'ready', tar: packEntries(entries), dockerfile };
}

/** Orders paths so that a folder comes right before what it holds, the same on every machine. */
function compareEntries(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const l = left[i] ?? '';
    const r = right[i] ?? '';
    if (l !== r) return l < r ? -1 : 1;
  }
  return left.length - right.length;
}

type PackEntry = ContextEntry | { kind: 'bytes'; path: string; bytes: Buffer };

function packEntries(entries: readonly PackEntry[]): Readable {
  const tar = pack();
  const write = async () => {
    for (const entry of entries) {
      if (entry.kind === 'directory') {
        tar.entry({ ...fixedHeader, name: `${entry.path}/`, type: 'directory', mode: 0o755 });
      } else if (entry.kind === 'symlink') {
        tar.entry({ ...fixedHeader, name: entry.path, type: 'symlink', linkname: entry.target, mode: 0o777 });
      } else if (entry.kind === 'bytes') {
        tar.entry({ ...fixedHeader, name: entry.path, type: 'file', mode: 0o644 }, entry.bytes);
      } else {
        const header: Partial<Header> & Pick<Header, 'name'> = {
          ...fixedHeader,
          name: entry.path,
          type: 'file',
          mode: entry.executable ? 0o755 : 0o644,
          size: entry.size,
        };
        await pipeline(createReadStream(entry.absolute), tar.entry(header));
      }
    }
    tar.finalize();
  };
  write().catch((error: unknown) => tar.destroy(error instanceof Error ? error : new Error(String(error))));
  // tar-stream makes streamx streams; the engine's HTTP client wants a Node stream.
  return Readable.from(tar, { objectMode: false });
}
