import { describe, expect, it } from 'vitest';
import { decodeDockerfile, maxDockerfileBytes } from '../../../src/domain/dockerfile/decode-dockerfile.ts';

const binaryMessage = 'This Dockerfile is not UTF-8 text (it looks binary). Commit the Dockerfile as plain text.';

describe('decodeDockerfile', () => {
  it('decodes UTF-8 text unchanged', () => {
    expect(decodeDockerfile(new TextEncoder().encode('FROM debian\nLABEL maintainer="Zoë"\n'))).toEqual({
      text: 'FROM debian\nLABEL maintainer="Zoë"\n',
    });
  });

  it('keeps a UTF-8 byte order mark for the reader, which drops exactly one as BuildKit does', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('FROM debian\n')]);

    expect(decodeDockerfile(bytes)).toEqual({ text: '\uFEFFFROM debian\n' });
  });

  it('keeps a second byte order mark, which BuildKit reads as part of the first instruction', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, ...new TextEncoder().encode('FROM debian\n')]);

    expect(decodeDockerfile(bytes)).toEqual({ text: '\uFEFF\uFEFFFROM debian\n' });
  });

  it('refuses bytes with a NUL as binary', () => {
    expect(decodeDockerfile(new TextEncoder().encode('FROM debian\n\u0000\u0001'))).toEqual({
      problem: { rule: 'DY010', line: 1, rejected: false, message: binaryMessage },
    });
  });

  it('refuses invalid UTF-8 as binary', () => {
    // A PNG header: 0x89 is not a valid UTF-8 lead byte.
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    expect(decodeDockerfile(bytes)).toEqual({ problem: { rule: 'DY010', line: 1, rejected: false, message: binaryMessage } });
  });

  it('refuses Latin-1 text, which is not UTF-8', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('LABEL a="Zo'), 0xeb, 0x22]);

    expect(decodeDockerfile(bytes)).toEqual({ problem: { rule: 'DY010', line: 1, rejected: false, message: binaryMessage } });
  });

  it('accepts a file of exactly the maximum size', () => {
    const bytes = new Uint8Array(maxDockerfileBytes).fill(0x20);

    expect(decodeDockerfile(bytes)).toEqual({ text: ' '.repeat(maxDockerfileBytes) });
  });

  it('refuses a 5 MB Dockerfile by size, without decoding it, and says how big it is', () => {
    const bytes = new Uint8Array(5_000_000).fill(0x41);
    const started = performance.now();

    const result = decodeDockerfile(bytes);

    expect(performance.now() - started).toBeLessThan(50);
    expect(result).toEqual({
      problem: {
        rule: 'DY010',
        line: 1,
        rejected: false,
        message:
          'This Dockerfile is 4.8 MiB; Dockyard reads Dockerfiles up to 1 MiB. Move generated content into files the build copies.',
      },
    });
  });

  it('refuses a file one byte over the limit', () => {
    const result = decodeDockerfile(new Uint8Array(maxDockerfileBytes + 1).fill(0x20));

    expect(result).toMatchObject({ problem: { rule: 'DY010', message: expect.stringMatching(/^This Dockerfile is 1\.0 MiB;/) } });
  });
});
