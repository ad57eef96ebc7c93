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

describe('followBuild with the classic builder', () => {
  it('counts an error event as a failure even when an image ID came before and the stream ended normally', async () => {
    const outcome = await followBuild(
      streamOf([
        { stream: 'Step 1/2 : FROM base\n' },
        { stream: ' ---> 1234\n' },
        { aux: { ID: 'sha256:1234' } },
        { stream: 'Step 2/2 : LABEL x=y\n' },
        { errorDetail: { message: 'write /var/lib/docker: no space left on device' }, error: 'no space left on device' },
        { stream: 'Successfully built 1234\n' },
      ]),
      'classic',
    );

    expect(outcome).toEqual({
      imageId: 'sha256:1234',
      failure: { step: '[2/2] LABEL x=y', message: 'write /var/lib/docker: no space left on device' },
      logTail: [
        'Step 1/2 : FROM base',
        ' ---> 1234',
        'Step 2/2 : LABEL x=y',
        'ERROR: write /var/lib/docker: no space left on device',
        'Successfully built 1234',
      ],
    });
  });

  it('keeps pull status lines without their progress bars, a line that is not JSON, and only the last 20 lines', async () => {
    const output = Array.from({ length: 19 }, (_, index) => ({ stream: `line ${index}\n` }));
    const outcome = await followBuild(
      streamOf([
        { status: 'Pulling from mirror/debian', id: 'bookworm' },
        { status: 'Downloading', id: 'abc', progressDetail: { current: 1, total: 2 } },
        'not json at all',
        ...output,
        { aux: { ID: 'sha256:5678' } },
      ]),
      'classic',
    );

    expect(outcome.imageId).toBe('sha256:5678');
    expect(outcome.failure).toBeUndefined();
    // 21 lines kept in all (the progress bar is not one), so the first falls off.
    expect(outcome.logTail).toEqual(['not json at all', ...output.map((event) => event.stream.trim())]);
  });
});

describe('followBuild with BuildKit', () => {
  it('fails on a step error even without an error event, naming the step and not the steps it cancelled', async () => {
    const outcome = await followBuild(
      streamOf([
        trace({ vertexes: [{ digest: 'd1', name: '[1/3] FROM base', started: true, completed: true }] }),
        trace({ vertexes: [{ digest: 'd2', name: '[stage-1 2/3] RUN make', started: true }] }),
        trace({ logs: [{ vertex: 'd2', msg: 'compiling\nlinking: und' }] }),
        trace({ logs: [{ vertex: 'd2', msg: 'efined symbol\n' }] }),
        trace({ vertexes: [{ digest: 'd3', name: '[2/3] RUN sleep 9', started: true, error: 'context canceled' }] }),
        trace({ vertexes: [{ digest: 'd2', name: '[stage-1 2/3] RUN make', started: true, completed: true, error: 'exit code: 2' }] }),
        { id: 'moby.image.id', aux: { ID: 'sha256:stale' } },
      ]),
      'buildkit',
    );

    expect(outcome).toEqual({
      imageId: 'sha256:stale',
      failure: { step: '[stage-1 2/3] RUN make', message: 'exit code: 2' },
      logTail: [
        '[1/3] FROM base',
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
        trace({ vertexes: [{ digest: 'd1', name: '[internal] load metadata for x', started: true, error: '401 Unauthorized' }] }),
        trace({ logs: [{ vertex: 'd1', msg: 'partial output' }] }),
        { errorDetail: { message: 'failed to solve: 401 Unauthorized' } },
      ]),
      'buildkit',
    );

    expect(outcome).toEqual({
      failure: { step: '[internal] load metadata for x', message: 'failed to solve: 401 Unauthorized' },
      logTail: [
        '[internal] load metadata for x',
        'ERROR: [internal] load metadata for x: 401 Unauthorized',
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
      'buildkit',
    );

    expect(outcome).toEqual({ imageId: 'sha256:abcd', logTail: ['exporting to image'] });
  });
});
