import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../../src/adapters/docker/build-image.ts';
import {
  pushAuthParent,
  readImageFile,
  request,
  untag,
  useDockerTestEnv,
} from './docker-test-env.ts';

// Against the real dockerd of scripts/ci (Docker Engine 20.10, BuildKit v0.8) and its htpasswd registry.

const ci = useDockerTestEnv();
const { run, folders, images, credentials } = ci;
const parentMarker = `registry-parent-${run}`;
let registryParent: string;

beforeAll(async () => {
  registryParent = await pushAuthParent(ci.env, folders, images, `build-${run}`, parentMarker);
});

describe('buildImage', () => {
  const tag = (name: string) => {
    const reference = `dockyard-ci-test/docker-adapter-${run}:${name}`;
    images.tag(reference);
    return reference;
  };

  it('builds, returns the image ID and applies every tag, the labels and the build args', async () => {
    const dir = await folders.create('tagged', {
      Dockerfile: `FROM ${ci.env.rootImage}\nARG GREETING\nRUN echo "$GREETING" > /greeting.txt\n`,
    });
    const tags = [tag('one'), tag('two')];

    const result = images.track(
      await buildImage(ci.env.docker, request(dir, {
        tags,
        expectedImages: [ci.env.rootImage],
        buildArgs: { GREETING: 'hello-buildkit' },
        labels: { 'org.opencontainers.image.revision': run, 'dockyard.image': 'tagged' },
      })),
    );

    expect(result).toMatchObject({ status: 'built', frontend: 'buildkit-0.8' });
    if (result.status !== 'built') return;
    const inspect = await ci.env.docker.getImage(result.imageId).inspect();
    expect(inspect.Id).toBe(result.imageId);
    expect([...inspect.RepoTags].sort()).toEqual([...tags].sort());
    expect(inspect.Config.Labels).toMatchObject({ 'org.opencontainers.image.revision': run, 'dockyard.image': 'tagged' });
    expect((await readImageFile(ci.env.docker, result.imageId, '/greeting.txt'))?.content).toBe('hello-buildkit\n');
  });

  it('fails a RUN that exits non-zero, naming the step and keeping the end of its output', async () => {
    const dir = await folders.create('run-false', {
      Dockerfile: `FROM ${ci.env.rootImage}\nRUN echo output-before-failure-${run} && false\nRUN echo never\n`,
    });

    const result = await buildImage(ci.env.docker, request(dir, { expectedImages: [ci.env.rootImage] }));

    expect(result).toMatchObject({
      status: 'failed',
      frontend: 'buildkit-0.8',
      step: `[2/3] RUN echo output-before-failure-${run} && false`,
    });
    if (result.status !== 'failed') return;
    expect(result.message).toMatch(/exit code: 1/);
    expect(result.logTail.some((line) => line.endsWith(`output-before-failure-${run}`))).toBe(true);
    expect(result.logTail.length).toBeLessThanOrEqual(20);
  });

  it('fails a COPY of a file the folder does not have, naming the file', async () => {
    const dir = await folders.create('copy-missing', { Dockerfile: `FROM ${ci.env.rootImage}\nCOPY missing.txt /\n` });

    const result = await buildImage(ci.env.docker, request(dir, { expectedImages: [ci.env.rootImage] }));

    expect(result).toMatchObject({ status: 'failed', step: '[2/2] COPY missing.txt /' });
    if (result.status === 'failed') expect(result.message).toContain('missing.txt');
  });

  it('sends what .dockerignore keeps and nothing else, with symlinks inside the folder kept as symlinks', async () => {
    const dir = await folders.create('ignore', {
      Dockerfile: `FROM ${ci.env.rootImage}\nCOPY . /ctx/\n`,
      '.dockerignore': 'secret.txt\ncache\n!cache/keep.txt\n',
      'kept.txt': 'kept\n',
      'secret.txt': 'must not be sent\n',
      'cache/drop.txt': 'dropped\n',
      'cache/keep.txt': 'brought back\n',
      'link-to-kept': { symlink: 'kept.txt' },
    });

    const result = images.track(await buildImage(ci.env.docker, request(dir, { expectedImages: [ci.env.rootImage] })));

    expect(result).toMatchObject({ status: 'built' });
    if (result.status !== 'built') return;
    const read = (file: string) => readImageFile(ci.env.docker, result.imageId, file);
    expect(await read('/ctx/kept.txt')).toMatchObject({ type: 'file', content: 'kept\n' });
    expect(await read('/ctx/secret.txt')).toBeUndefined();
    expect(await read('/ctx/cache/drop.txt')).toBeUndefined();
    expect(await read('/ctx/cache/keep.txt')).toMatchObject({ content: 'brought back\n' });
    expect(await read('/ctx/link-to-kept')).toMatchObject({ type: 'symlink', linkname: 'kept.txt' });
  });

  it('builds a child FROM the parent tag just built, given through a build arg and not mirrored', async () => {
    const marker = `parent-${randomBytes(4).toString('hex')}`;
    const parentTag = tag('parent');
    const parentDir = await folders.create('parent', {
      Dockerfile: `FROM ${ci.env.rootImage}\nRUN echo ${marker} > /parent.txt\n`,
    });
    const parent = images.track(await buildImage(ci.env.docker, request(parentDir, { tags: [parentTag], expectedImages: [ci.env.rootImage] })));
    expect(parent).toMatchObject({ status: 'built' });
    // `dockyard-ci-test/...` is a docker.io name: a mirror rewrite would send the build to the registry.
    const childDir = await folders.create('child', {
      Dockerfile: `ARG REGISTRY=registry.example.com\nFROM \${REGISTRY}/${parentTag.slice('dockyard-ci-test/'.length)}\nRUN cp /parent.txt /child-saw.txt\n`,
    });

    const child = images.track(
      await buildImage(ci.env.docker, request(childDir, {
        expectedImages: [`docker.io/${parentTag}`],
        buildArgs: { REGISTRY: 'dockyard-ci-test' },
        mirrors: [{ from: 'docker.io', to: ci.env.mirrorPrefix }],
      })),
    );

    expect(child).toMatchObject({ status: 'built' });
    if (child.status !== 'built') return;
    expect((await readImageFile(ci.env.docker, child.imageId, '/child-saw.txt'))?.content).toBe(`${marker}\n`);
  });

  it('pulls an approved parent from the authenticated registry with its credentials before the build, and fails without them', async () => {
    const dir = await folders.create('registry-child', {
      Dockerfile: `FROM ${registryParent}\nRUN cp /parent.txt /child-saw.txt\n`,
    });

    await untag(ci.env.docker, registryParent);
    const without = await buildImage(ci.env.docker, request(dir, { expectedImages: [registryParent] }));
    await untag(ci.env.docker, registryParent);
    const withCredentials = images.track(await buildImage(ci.env.docker, request(dir, { expectedImages: [registryParent], credentials: credentials() })));
    await untag(ci.env.docker, registryParent);

    expect(without).toMatchObject({ status: 'failed', logTail: [] });
    if (without.status === 'failed') {
      expect(without.message).toContain(`Dockyard could not pull \`${registryParent}\`, which \`registry-child\` builds on, before the build:`);
      expect(without.message).toMatch(/no basic auth credentials|401 Unauthorized/);
    }
    expect(withCredentials).toMatchObject({ status: 'built' });
    if (withCredentials.status !== 'built') return;
    expect((await readImageFile(ci.env.docker, withCredentials.imageId, '/child-saw.txt'))?.content).toBe(`${parentMarker}\n`);
  });

  it("never answers a registry with another registry's credential", async () => {
    const dir = await folders.create('other-host', { Dockerfile: `FROM ${registryParent}\n` });
    const { user, password } = ci.env.registry;
    const elsewhere = ['127.0.0.2:5000', 'docker.io', 'localhost:5000'].map((registry) => ({ registry, username: user, password }));

    await untag(ci.env.docker, registryParent);
    const result = await buildImage(ci.env.docker, request(dir, { expectedImages: [registryParent], credentials: elsewhere }));
    await untag(ci.env.docker, registryParent);

    expect(result).toMatchObject({ status: 'failed' });
    if (result.status === 'failed') expect(result.message).toMatch(/no basic auth credentials|401 Unauthorized/);
  });

  it('builds FROM a docker.io reference pinned by digest, pulled through the mirror', async () => {
    const dir = await folders.create('mirrored', {
      Dockerfile: `FROM docker.io/library/debian:bookworm@${ci.env.mirrorDebianDigest}\nRUN cp /etc/debian_version /debian-version.txt\n`,
    });
    const mirrored = `${ci.env.mirrorPrefix}/library/debian:bookworm@${ci.env.mirrorDebianDigest}`;

    const result = images.track(
      await buildImage(ci.env.docker, request(dir, {
        mirrors: [{ from: 'docker.io', to: ci.env.mirrorPrefix }],
        expectedImages: [mirrored],
        credentials: credentials(),
      })),
    );

    expect(result).toMatchObject({ status: 'built' });
    if (result.status !== 'built') return;
    expect(result.logTail.join('\n')).toContain(`[1/2] FROM ${mirrored}`);
    expect((await readImageFile(ci.env.docker, result.imageId, '/debian-version.txt'))?.content).toMatch(/^12\./);
  });

  it('stops the build when the signal aborts', async () => {
    const marker = `abort-${run}`;
    const dir = await folders.create('abort', { Dockerfile: `FROM ${ci.env.rootImage}\nRUN echo ${marker} && sleep 60\n` });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 1500);

    const outcome = buildImage(ci.env.docker, request(dir, { expectedImages: [ci.env.rootImage], signal: controller.signal }));

    await expect(outcome).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('buildImage on this engine', () => {
  it('builds with BuildKit and says which frontend built the image', async () => {
    const dir = await folders.create('frontend', { Dockerfile: `FROM ${ci.env.rootImage}\n` });

    const result = images.track(await buildImage(ci.env.docker, request(dir, { expectedImages: [ci.env.rootImage] })));

    expect(result).toMatchObject({ status: 'built', frontend: 'buildkit-0.8' });
  });

  it('refuses a symlink that leaves the folder before it sends anything to the engine', async () => {
    const dir = await folders.create('escape', {
      Dockerfile: `FROM ${ci.env.rootImage}\nCOPY . /\n`,
      'config/passwd': { symlink: '../../../../etc/passwd' },
    });
    // Nothing listens here: contacting the engine at all would throw instead of refusing.
    const unreachable = new Dockerode({ socketPath: '/nonexistent/docker.sock' });

    const result = await buildImage(unreachable, request(dir, { expectedImages: [ci.env.rootImage] }));

    expect(result).toEqual({
      status: 'refused',
      file: 'images/escape/config/passwd',
      message:
        '`images/escape/config/passwd` is a symlink to `../../../../etc/passwd`, which is outside the image folder; ' +
        'the build context is the folder and nothing outside it. Copy what you need into the folder, ' +
        'or list the link in .dockerignore.',
    });
  });

  it('turns an unreachable engine into an OutsideError that says what to check', async () => {
    const dir = await folders.create('unreachable', { Dockerfile: `FROM ${ci.env.rootImage}\n` });
    const unreachable = new Dockerode({ socketPath: '/nonexistent/docker.sock' });

    await expect(buildImage(unreachable, request(dir, { expectedImages: [ci.env.rootImage] }))).rejects.toMatchObject({
      name: 'OutsideError',
      system: 'docker',
      message: expect.stringContaining('Check that the engine is running and reachable (DOCKER_HOST)'),
    });
  });
});
