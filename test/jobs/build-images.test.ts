import { describe, expect, it } from 'vitest';
import type { BuildRequest, BuildResult } from '../../src/adapters/docker/types.ts';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { analyzeCatalog } from '../../src/domain/check/analyze-catalog.ts';
import type { DockerfileFrontend } from '../../src/domain/dockerfile/frontend.ts';
import { buildImages, expectedImages } from '../../src/jobs/build-images.ts';
import type { BuildPorts } from '../../src/jobs/build-ports.ts';
import { folder } from '../domain/catalog/catalog-fixtures.ts';
import { agentDigest, agentParent, seedConfig, seedFolders } from '../domain/check/check-fixtures.ts';

// What buildImages asks of the build, with every outside system faked; real builds are in test/integration.

const mirrors = [{ from: 'docker.io', to: 'mirror.example.com/hub' }];

/** Ports that build every request as `built`, unless `answer` says otherwise, and record what they were asked. */
function fakePorts(engine: DockerfileFrontend, answer: (request: BuildRequest) => BuildResult | undefined = () => undefined) {
  const requests: BuildRequest[] = [];
  const calls: string[] = [];
  const ports: BuildPorts = {
    async buildImage(request) {
      requests.push(request);
      return answer(request) ?? { status: 'built', imageId: `sha256:${request.image}`, frontend: engine, logTail: [] };
    },
    engineFrontend: async () => engine,
    async tagImage(imageId, reference) {
      calls.push(`tag ${imageId} ${reference.replace(/^dockyard\.local\/r\w+\//, 'dockyard.local/<run>/')}`);
    },
    async untagImage() {},
    async pullImage(reference) {
      calls.push(`pull ${reference}`);
      return null;
    },
    async scanImage(request) {
      calls.push(`scan ${request.image}`);
      return { status: 'ok', vulnerabilities: [], database: { updatedAt: '', nextUpdate: '', stale: false } };
    },
    hasImage: async () => false,
  };
  return { ports, requests, calls };
}

function run(analysis: ReturnType<typeof analyzeCatalog>, ports: BuildPorts) {
  return buildImages({
    repo: 'example/agents',
    commit: 'a'.repeat(40),
    sourceUrl: 'https://github.com/example/agents',
    config: seedConfig,
    analysis,
    workspace: '/nonexistent',
    folderTrees: new Map(),
    mirrors,
    credentials: [],
    compareWithPublished: false,
    ports,
    store: new StateStore(':memory:'),
  });
}

const seedAnalysis = (frontend: DockerfileFrontend) =>
  analyzeCatalog(seedFolders().filter((image) => image.name === 'base' || image.name === 'python'), 'all', seedConfig, { frontend });

describe('buildImages', () => {
  it('expects, per image, exactly the images the policy judged: upstream ones through the mirror, catalog parents under their run-local names', async () => {
    const { ports, requests } = fakePorts('buildkit-0.8');

    const results = await run(seedAnalysis('buildkit-0.8'), ports);

    expect([...results.values()].map((result) => [result.name, result.status, result.builder])).toEqual([
      ['base', 'built', 'buildkit-0.8'],
      ['python', 'built', 'buildkit-0.8'],
    ]);
    const [base, python] = requests;
    expect(base?.expectedImages).toEqual([`mirror.example.com/hub/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21@${agentDigest}`]);
    const runRegistry = python?.buildArgs['REGISTRY'] ?? '';
    expect(runRegistry).toMatch(/^dockyard\.local\/r[0-9a-z]+$/);
    expect(python?.expectedImages).toEqual([`${runRegistry}/jenkins-agents/base:latest`]);
  });

  it('fails an image whose build BuildKit cancelled at an unapproved image: nothing tagged, scanned or recorded, and its children skipped', async () => {
    const message = 'BuildKit resolved `127.0.0.1:5000/teamb/secret:latest`, which the policy did not approve for `base`; nothing was built or pushed.';
    const { ports, calls } = fakePorts('buildkit-0.8', (request) =>
      request.image === 'base'
        ? { status: 'unapproved', image: '127.0.0.1:5000/teamb/secret:latest', message, logTail: ['ERROR: x'], frontend: 'buildkit-0.8' }
        : undefined,
    );

    const results = await run(seedAnalysis('buildkit-0.8'), ports);

    expect(results.get('base')).toMatchObject({ name: 'base', status: 'failed', reason: message, logTail: ['ERROR: x'] });
    expect(results.get('base')?.imageId).toBeUndefined();
    expect(results.get('python')).toEqual({ name: 'python', status: 'skipped', reason: 'its parent `base` did not build' });
    expect(calls).toEqual([]);
  });

  it('builds nothing the catalog was read for with another frontend than the engine builds with', async () => {
    const { ports, requests } = fakePorts('buildkit-0.8');

    const results = await run(seedAnalysis('buildkit-0.34'), ports);

    expect(requests).toEqual([]);
    expect(results.get('base')).toEqual({
      name: 'base',
      status: 'failed',
      reason:
        'Dockyard read `images/base/Dockerfile` as the `buildkit-0.34` frontend does, but the Docker engine builds it with `buildkit-0.8`, ' +
        'which may read it differently; the policy judged another reading, so it was not built. This is a fault in Dockyard, not in the Dockerfile: tell the platform team.',
    });
  });
});

describe('expectedImages', () => {
  it('lists every stage, COPY --from and RUN --mount image and the syntax frontend, normalized and once each', () => {
    const dockerfile = [
      '# syntax=docker/dockerfile:1.4@sha256:' + 'd'.repeat(64),
      'ARG REGISTRY=registry.example.com',
      'FROM golang:1.22 AS build',
      'RUN --mount=from=docker.io/library/golang:1.22,target=/go true',
      'FROM ${REGISTRY}/jenkins-agents/base',
      'COPY --from=build /out /out',
      'COPY --from=ghcr.io/acme/tools:v2 /bin/tool /bin/tool',
      'COPY --from=0 /x /x',
      `FROM ${agentParent} AS unused`,
      'FROM scratch AS empty',
    ].join('\n');
    const analysis = analyzeCatalog([folder('multi', dockerfile)], 'all', seedConfig, { frontend: 'buildkit-0.8' });
    const model = analysis.catalog.images.get('multi')?.model;
    if (!model) throw new Error('the fixture could not be read');

    expect(expectedImages(model, seedConfig, 'dockyard.local/rtest', mirrors)).toEqual([
      'dockyard.local/rtest/jenkins-agents/base:latest',
      'ghcr.io/acme/tools:v2',
      `mirror.example.com/hub/docker/dockerfile:1.4@sha256:${'d'.repeat(64)}`,
      `mirror.example.com/hub/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21@${agentDigest}`,
      'mirror.example.com/hub/library/golang:1.22',
    ]);
  });
});
