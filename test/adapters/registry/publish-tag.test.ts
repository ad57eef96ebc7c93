import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getRegistryAuth, type EcrRegistryAuth } from '../../../src/adapters/ecr/registry-auth.ts';
import { mediaTypes } from '../../../src/adapters/registry/manifest-schema.ts';
import { publishTag } from '../../../src/adapters/registry/publish-tag.ts';
import { readTag } from '../../../src/adapters/registry/read-manifest.ts';
import { RegistryAuthError, TagConflictError } from '../../../src/adapters/registry/registry-errors.ts';
import { redact } from '../../../src/logging/secrets.ts';
import { mockEcr } from '../ecr/ecr-mock.ts';
import { buildImage, ciRegistry, putManifest, removeImages, type CiRegistry } from './ci-registry.ts';

// The ECR control plane is mocked; its token carries the real registry's password, which drives real pushes.
const run = randomBytes(4).toString('hex');
const repository = `test-${run}/python`;
const first = `dockyard-test-${run}/python:first`;
const second = `dockyard-test-${run}/python:second`;
let ci: CiRegistry;
let firstId: string;
let secondId: string;

beforeAll(async () => {
  ci = await ciRegistry();
  firstId = await buildImage(ci.docker, `FROM ${ci.rootImage}\nLABEL org.opencontainers.image.revision=abc dockyard.test.run=${run}\n`, first);
  secondId = await buildImage(ci.docker, `FROM ${ci.rootImage}\nLABEL org.opencontainers.image.revision=def dockyard.test.run=${run}\n`, second);
});

afterAll(async () => {
  await removeImages(ci.docker, [first, second]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function ecrAuth(password: string): Promise<EcrRegistryAuth> {
  const { client, mock } = mockEcr();
  mock.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [
      { authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'), expiresAt: new Date(Date.now() + 12 * 3600_000), proxyEndpoint: ci.url },
    ],
  });
  return getRegistryAuth(client);
}

/** Records every image push the engine is asked for. */
function recordPushes(docker: Dockerode): string[] {
  const pushes: string[] = [];
  const getImage = docker.getImage.bind(docker);
  vi.spyOn(docker, 'getImage').mockImplementation((name: string) => {
    const image = getImage(name);
    const push = image.push.bind(image) as (options?: Dockerode.ImagePushOptions) => Promise<NodeJS.ReadableStream>;
    image.push = ((options?: Dockerode.ImagePushOptions) => {
      pushes.push(`${name}:${options?.tag ?? ''}`);
      return push(options);
    }) as typeof image.push;
    return image;
  });
  return pushes;
}

/** Makes every push fail as ECR fails a push onto an immutable tag that already exists. */
function refusePushesAsImmutable(docker: Dockerode, repositoryName: string): string[] {
  const refused: string[] = [];
  const getImage = docker.getImage.bind(docker);
  vi.spyOn(docker, 'getImage').mockImplementation((name: string) => {
    const image = getImage(name);
    image.push = ((options?: Dockerode.ImagePushOptions) => {
      const tag = options?.tag ?? '';
      refused.push(`${name}:${tag}`);
      const message = `tag invalid: The image tag '${tag}' already exists in the '${repositoryName}' repository and cannot be overwritten because the repository is immutable.`;
      return Promise.resolve(Readable.from([`${JSON.stringify({ errorDetail: { message }, error: message })}\n`]));
    }) as typeof image.push;
    return image;
  });
  return refused;
}

/** A fetch whose first manifest read answers 404: the tag was pushed by someone else after that read. */
function staleFirstRead(): typeof fetch {
  let stale = true;
  return async (input, init) => {
    if (stale && String(input).includes('/manifests/')) {
      stale = false;
      return new Response('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}', { status: 404 });
    }
    return fetch(input, init);
  };
}

describe('publishTag', () => {
  it('pushes with the credentials ECR hands out; the registry then holds exactly this image', async () => {
    const auth = await ecrAuth(ci.password);
    const pushes = recordPushes(ci.docker);

    const result = await publishTag({ docker: ci.docker, endpoint: auth.endpoint, auth, repository, tag: 'abc123', localImage: first });

    expect(result).toEqual({ outcome: 'pushed', digest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/) });
    expect(pushes).toEqual([`${ci.host}/${repository}:abc123`]);
    await expect(readTag(ci.url, auth, repository, 'abc123', { includeLabels: true })).resolves.toEqual({
      kind: 'image',
      manifestDigest: result.digest,
      mediaType: mediaTypes.dockerManifest,
      configDigest: firstId,
      labels: { 'org.opencontainers.image.revision': 'abc', 'dockyard.test.run': run },
    });
    expect(redact(`login -p ${ci.password}`)).toBe('login -p [REDACTED]');
  });

  it('replayed, reports already-published with the same digest and pushes nothing', async () => {
    const auth = await ecrAuth(ci.password);
    const { digest } = await publishTag({ docker: ci.docker, endpoint: auth.endpoint, auth, repository, tag: 'replay', localImage: first });
    const pushes = recordPushes(ci.docker);

    const replay = await publishTag({ docker: ci.docker, endpoint: auth.endpoint, auth, repository, tag: 'replay', localImage: firstId });

    expect(replay).toEqual({ outcome: 'already-published', digest });
    expect(pushes).toEqual([]);
  });

  it('refuses to overwrite a tag holding a different image with a TagConflictError that says what to do', async () => {
    const auth = await ecrAuth(ci.password);
    const { digest } = await publishTag({ docker: ci.docker, endpoint: auth.endpoint, auth, repository, tag: 'taken', localImage: first });
    const pushes = recordPushes(ci.docker);

    const error = await publishTag({ docker: ci.docker, endpoint: auth.endpoint, auth, repository, tag: 'taken', localImage: second }).catch(
      (caught: unknown) => caught,
    );

    const ref = `${ci.host}/${repository}`;
    expect(error).toBeInstanceOf(TagConflictError);
    expect(error).toMatchObject({ repositoryRef: ref, tag: 'taken', publishedDigest: digest, localImageId: secondId });
    expect((error as Error).message).toBe(
      `${ref}:taken already holds a different image: the registry has manifest ${digest} (image ${firstId}), the image to publish is ${secondId}. ` +
        'Published tags are never overwritten. If the published image is the right one (an earlier build of the same commit), ' +
        `keep it and use ${ref}@${digest}; if it is wrong, delete the tag from the repository and publish again.`,
    );
    expect(pushes).toEqual([]);
    await expect(readTag(ci.url, auth, repository, 'taken')).resolves.toMatchObject({ manifestDigest: digest, configDigest: firstId });
  });

  it('treats a multi-platform index under the tag as a conflict', async () => {
    const auth = await ecrAuth(ci.password);
    const { digest } = await publishTag({ docker: ci.docker, endpoint: auth.endpoint, auth, repository, tag: 'base', localImage: first });
    const size = (await readManifestBytes(auth, digest)).byteLength;
    await putManifest(ci, repository, 'index', mediaTypes.ociIndex, {
      schemaVersion: 2,
      mediaType: mediaTypes.ociIndex,
      manifests: [{ mediaType: mediaTypes.dockerManifest, digest, size, platform: { architecture: 'amd64', os: 'linux' } }],
    });

    const error = await publishTag({ docker: ci.docker, endpoint: auth.endpoint, auth, repository, tag: 'index', localImage: first }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(TagConflictError);
    expect((error as Error).message).toMatch(new RegExp(`^${ci.host}/${repository}:index already holds a different image: the registry has a multi-platform index sha256:`));
  });

  it('when another publisher wins the race and ECR refuses the push, judges what the tag holds now', async () => {
    const auth = await ecrAuth(ci.password);
    const { digest } = await publishTag({ docker: ci.docker, endpoint: auth.endpoint, auth, repository, tag: 'raced', localImage: first });
    const refused = refusePushesAsImmutable(ci.docker, repository);

    const same = await publishTag({ docker: ci.docker, endpoint: auth.endpoint, auth, repository, tag: 'raced', localImage: first, fetch: staleFirstRead() });
    const different = await publishTag({
      docker: ci.docker,
      endpoint: auth.endpoint,
      auth,
      repository,
      tag: 'raced',
      localImage: second,
      fetch: staleFirstRead(),
    }).catch((caught: unknown) => caught);

    expect(refused).toEqual([`${ci.host}/${repository}:raced`, `${ci.host}/${repository}:raced`]);
    expect(same).toEqual({ outcome: 'already-published', digest });
    expect(different).toBeInstanceOf(TagConflictError);
    expect(different).toMatchObject({ publishedDigest: digest, localImageId: secondId });
  });

  it('with a wrong password from ECR, fails with a RegistryAuthError that does not carry the password', async () => {
    const wrong = `wrong-ecr-password-${randomBytes(8).toString('hex')}`;
    const auth = await ecrAuth(wrong);

    const error = await publishTag({ docker: ci.docker, endpoint: auth.endpoint, auth, repository, tag: 'denied', localImage: first }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(RegistryAuthError);
    expect((error as Error).message).toBe(
      `The registry at ${ci.url} refused user AWS to read the manifest of ${repository}:denied (HTTP 401: UNAUTHORIZED: authentication required). ` +
        'Check the registry credentials; for ECR, the app role needs ecr:GetAuthorizationToken and pull and push permissions on the repository.',
    );
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(wrong);
  });
});

async function readManifestBytes(auth: EcrRegistryAuth, digest: string): Promise<ArrayBuffer> {
  const response = await fetch(`${ci.url}/v2/${repository}/manifests/${digest}`, {
    headers: { Accept: mediaTypes.dockerManifest, Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` },
  });
  return response.arrayBuffer();
}
