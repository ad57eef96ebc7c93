import type { ReadProblem } from './read-dockerfile.ts';

/** Dockerfiles larger than this are refused: an agent image's recipe is never this big by intent. */
export const maxDockerfileBytes = 1024 * 1024;

// One decoder for every file: creating one costs more than decoding a small Dockerfile.
// ignoreBOM keeps a byte order mark in the text: BuildKit's parser drops one itself, and only one.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The problem of a Dockerfile over the size limit; readers that know the size report it without the bytes. */
export function oversizedDockerfile(byteLength: number): ReadProblem {
  const size = (byteLength / (1024 * 1024)).toFixed(1);
  return {
    rule: 'DY010',
    line: 1,
    rejected: false,
    message: `This Dockerfile is ${size} MiB; Dockyard reads Dockerfiles up to 1 MiB. Move generated content into files the build copies.`,
  };
}

/** Turns a Dockerfile's bytes into text, or a problem saying why they are not a Dockerfile. */
export function decodeDockerfile(bytes: Uint8Array): { text: string } | { problem: ReadProblem } {
  if (bytes.byteLength > maxDockerfileBytes) return { problem: oversizedDockerfile(bytes.byteLength) };
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    text = '\u0000';
  }
  if (text.includes('\u0000')) {
    return {
      problem: {
        rule: 'DY010',
        line: 1,
        rejected: false,
        message: 'This Dockerfile is not UTF-8 text (it looks binary). Commit the Dockerfile as plain text.',
      },
    };
  }
  return { text };
}
