import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { followBuild } from '../../../src/adapters/docker/build-progress.ts';

// Progress streams as the engine writes them, cut at awkward places; the real builds are in build-image.test.ts.

function streamOf(events: unknown[], chunkSize = 7): Readable {
  const text = events.map((event) => (typeof event === 'string' ? event : JSON.stringify(event))).join('\r\n') + '\r\n';
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += chunkSize) chunks.push(text.slice(i, i + chunkSize));
  return Readable.from(chunks);
}

const statusType = protobuf
  .loadSync(path.join(path.dirname(createRequire(import.meta.url).resolve('dockerode/package.json')), 'lib/proto/buildkit_status.proto'))
  .lookupType('moby.buildkit.v1.StatusResponse');

function trace(status: {
  vertexes?: { digest: string; name: string; started?: boolean; completed?: boolean; error?: string }[];
  logs?: { vertex: string; msg: string }[];
}) {
  const at = { seconds: 1, nanos: 0 };
  const message = statusType.fromObject({
    vertexes: (status.vertexes ?? []).map((vertex) => ({
      digest: vertex.digest,
      name: vertex.name,
      error: vertex.error ?? '',
      ...(vertex.started ? { started: at } : {}),
      ...(vertex.completed ? { completed: at } : {}),
    })),
    logs: (status.logs ?? []).map((log) => ({ vertex: log.vertex, msg: Buffer.from(log.msg), stream: 1 })),
  });
  return { id: 'moby.buildkit.trace', aux: Buffer.from(statusType.encode(message).finish()).toString('base64') };
}

const base = new Set(['docker.io/library/base:latest']);

describe('followBuild', () => {
  it('fails on a step error even without an error event, naming the step and not the steps it cancelled', async () => {
    const outcome = await followBuild(
      streamOf([
        trace({ vertexes: [{ digest: 'd1', name: '[1/3] FROM docker.io/library/base', started: true, completed: true }] }),
        trace({ vertexes: [{ digest: 'd2', name: '[stage-1 2/3] RUN make', started: true }] }),
        trace({ logs: [{ vertex: 'd2', msg: 'compiling\nlinking: und' }] }),
        trace({ logs: [{ vertex: 'd2', msg: 'efined symbol\n' }] }),
        trace({ vertexes: [{ digest: 'd3', name: '[2/3] RUN sleep 9', started: true, error: 'context canceled' }] }),
        trace({ vertexes: [{ digest: 'd2', name: '[stage-1 2/3] RUN make', started: true, completed: true, error: 'exit code: 2' }] }),
        { id: 'moby.image.id', aux: { ID: 'sha256:stale' } },
      ]),
      base,
    );

    expect(outcome).toEqual({
      imageId: 'sha256:stale',
      failure: { step: '[stage-1 2/3] RUN make', message: 'exit code: 2' },
      resolvedImages: ['docker.io/library/base:latest'],
      logTail: [
        '[1/3] FROM docker.io/library/base',
        '[stage-1 2/3] RUN make',
        '[stage-1 2/3] compiling',
        '[stage-1 2/3] linking: undefined symbol',
        '[2/3] RUN sleep 9',
        'ERROR: [stage-1 2/3] RUN make: exit code: 2',
      ],
    });
  });

  it("prefers the engine's error message and keeps output left without a final newline", async () => {
    const outcome = await followBuild(
      streamOf([
        trace({ vertexes: [{ digest: 'd1', name: '[internal] load metadata for docker.io/library/base:latest', started: true, error: '401 Unauthorized' }] }),
        trace({ logs: [{ vertex: 'd1', msg: 'partial output' }] }),
        { errorDetail: { message: 'failed to solve: 401 Unauthorized' } },
      ]),
      base,
    );

    expect(outcome).toEqual({
      failure: { step: '[internal] load metadata for docker.io/library/base:latest', message: 'failed to solve: 401 Unauthorized' },
      resolvedImages: ['docker.io/library/base:latest'],
      logTail: [
        '[internal] load metadata for docker.io/library/base:latest',
        'ERROR: [internal] load metadata for docker.io/library/base:latest: 401 Unauthorized',
        'ERROR: failed to solve: 401 Unauthorized',
        '[internal] partial output',
      ],
    });
  });

  it('reports the image ID of a clean build', async () => {
    const outcome = await followBuild(
      streamOf([
        trace({ vertexes: [{ digest: 'd1', name: 'exporting to image', started: true, completed: true }] }),
        { id: 'moby.image.id', aux: { ID: 'sha256:abcd' } },
      ]),
      base,
    );

    expect(outcome).toEqual({ imageId: 'sha256:abcd', resolvedImages: [], logTail: ['exporting to image'] });
  });

  it('keeps a line that is not JSON and only the last 20 lines', async () => {
    const output = Array.from({ length: 20 }, (_, index) => ({ stream: `line ${index}\n` }));
    const outcome = await followBuild(streamOf(['not json at all', ...output, { id: 'moby.image.id', aux: { ID: 'sha256:5678' } }]), base);

    expect(outcome.imageId).toBe('sha256:5678');
    expect(outcome.failure).toBeUndefined();
    expect(outcome.logTail).toEqual(output.map((event) => event.stream.trim()));
  });

  // Vertex names as BuildKit v0.8 in Docker Engine 20.10 prints them (see build-image.test.ts for the real engine).
  it.each([
    ['[internal] load metadata for 127.0.0.1:5000/teamb/secret:latest', '127.0.0.1:5000/teamb/secret:latest'],
    ['[stage-1 1/4] FROM 127.0.0.1:5000/teamb/secret', '127.0.0.1:5000/teamb/secret:latest'],
    ['[1/2] FROM docker.io/library/debian:bookworm@sha256:' + 'a'.repeat(64), 'docker.io/library/debian:bookworm@sha256:' + 'a'.repeat(64)],
    ['FROM docker.io/library/probe:latest', 'docker.io/library/probe:latest'],
    ['resolve image config for docker.io/docker/dockerfile:1', 'docker.io/docker/dockerfile:1'],
    ['docker-image://docker.io/docker/dockerfile:1', 'docker.io/docker/dockerfile:1'],
  ])('stops at `%s`, naming %s, when that image is not expected', async (name, image) => {
    let read = 0;
    const events = [
      trace({ vertexes: [{ digest: 'd1', name: '[1/2] FROM docker.io/library/base:latest' }, { digest: 'd2', name }] }),
      trace({ vertexes: [{ digest: 'd3', name: '[2/2] RUN make', started: true }] }),
      { id: 'moby.image.id', aux: { ID: 'sha256:abcd' } },
    ];
    const stream = streamOf(events, 1 << 20).on('data', () => read++);

    const outcome = await followBuild(stream, base);

    expect(outcome).toEqual({
      unexpectedImage: image,
      resolvedImages: ['docker.io/library/base:latest', image],
      logTail: [`ERROR: ${name}: not an image the policy approved`],
    });
    // Nothing after the status that named it was read, and the stream was let go.
    expect(read).toBe(1);
    expect(stream.destroyed).toBe(true);
  });

  it('reads a build that resolves only expected images to its end, whatever way BuildKit writes them', async () => {
    const outcome = await followBuild(
      streamOf([
        trace({ vertexes: [{ digest: 'd1', name: '[internal] load metadata for docker.io/library/base:latest', started: true }] }),
        trace({ vertexes: [{ digest: 'd2', name: '[1/1] FROM docker.io/library/base', started: true }] }),
        { id: 'moby.image.id', aux: { ID: 'sha256:abcd' } },
      ]),
      base,
    );

    expect(outcome).toMatchObject({ imageId: 'sha256:abcd', resolvedImages: ['docker.io/library/base:latest'] });
    expect(outcome.unexpectedImage).toBeUndefined();
  });
});
