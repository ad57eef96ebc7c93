import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaTypes } from '../../../src/adapters/registry/manifest-schema.ts';
import { pushImage } from '../../../src/adapters/registry/push-image.ts';
import { readImageConfig, readTag } from '../../../src/adapters/registry/read-manifest.ts';
import { RegistryAuthError, RegistryError } from '../../../src/adapters/registry/registry-errors.ts';
import type { RegistryAuth } from '../../../src/adapters/registry/types.ts';
import { buildImage, ciRegistry, putManifest, removeImages, type CiRegistry } from './ci-registry.ts';

// Against the real registry (Debian docker-registry, htpasswd) and dockerd that scripts/ci starts.
const run = randomBytes(4).toString('hex');
const repository = `test-${run}/push`;
const built = `dockyard-test-${run}/push:built`;
const other = `dockyard-test-${run}/push:other`;
let ci: CiRegistry;
let auth: RegistryAuth;
let ref: string;
let builtId: string;
let otherId: string;
let untaggedId: string;

beforeAll(async () => {
  ci = await ciRegistry();
  auth = { registry: ci.host, username: ci.user, password: ci.password };
  ref = `${ci.host}/${repository}`;
  builtId = await buildImage(ci.docker, `FROM ${ci.rootImage}\nLABEL org.opencontainers.image.revision=abc dockyard.test.run=${run}\n`, built);
  otherId = await buildImage(ci.docker, `FROM ${ci.rootImage}\nLABEL org.opencontainers.image.revision=def dockyard.test.run=${run}\n`, other);
  untaggedId = await buildImage(ci.docker, `FROM ${ci.rootImage}\nLABEL org.opencontainers.image.revision=untagged dockyard.test.run=${run}\n`);
});

afterAll(async () => {
  await removeImages(ci.docker, [built, other, untaggedId, `${ref}:moved`, `${ref}:kept`]);
});

const localId = async (name: string) => (await ci.docker.getImage(name).inspect().catch(() => undefined))?.Id;

describe('pushImage and readTag', () => {
  it('pushes; the registry holds the pushed digest, the image ID as config digest and the label in the config', async () => {
    const { digest } = await pushImage(ci.docker, built, ref, 'v1', auth);

    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    await expect(readTag(ci.url, auth, repository, 'v1', { includeLabels: true })).resolves.toEqual({
      kind: 'image',
      manifestDigest: digest,
      mediaType: mediaTypes.dockerManifest,
      configDigest: builtId,
      labels: { 'org.opencontainers.image.revision': 'abc', 'dockyard.test.run': run },
    });
    const config = await readImageConfig(ci.url, auth, repository, builtId);
    expect(config.config?.Labels).toEqual({ 'org.opencontainers.image.revision': 'abc', 'dockyard.test.run': run });
    expect(config.os).toBe('linux');
  });

  it('removes the local tag it added, and only that', async () => {
    await pushImage(ci.docker, built, ref, 'v2', auth);

    expect(await localId(`${ref}:v2`)).toBeUndefined();
    expect(await localId(built)).toBe(builtId);
  });

  it('leaves a local tag that existed before as it was, also one pointing at another image', async () => {
    await ci.docker.getImage(built).tag({ repo: ref, tag: 'kept' });
    await ci.docker.getImage(other).tag({ repo: ref, tag: 'moved' });

    await pushImage(ci.docker, built, ref, 'kept', auth);
    const { digest } = await pushImage(ci.docker, built, ref, 'moved', auth);

    expect(await localId(`${ref}:kept`)).toBe(builtId);
    expect(await localId(`${ref}:moved`)).toBe(otherId);
    await expect(readTag(ci.url, auth, repository, 'moved')).resolves.toMatchObject({ manifestDigest: digest, configDigest: builtId });
  });

  it('keeps the tag when it is the image\'s only name: removing it would delete the image', async () => {
    const { digest } = await pushImage(ci.docker, untaggedId, ref, 'only', auth);

    expect(await localId(`${ref}:only`)).toBe(untaggedId);
    await expect(readTag(ci.url, auth, repository, 'only')).resolves.toMatchObject({ manifestDigest: digest, configDigest: untaggedId });
    await removeImages(ci.docker, [`${ref}:only`]);
  });

  it('reads a missing tag, and a missing repository, as null', async () => {
    await pushImage(ci.docker, built, ref, 'present', auth);

    await expect(readTag(ci.url, auth, repository, 'absent')).resolves.toBeNull();
    await expect(readTag(ci.url, auth, `test-${run}/never-pushed`, 'v1')).resolves.toBeNull();
  });

  it('reports a multi-platform index as an index', async () => {
    const { digest } = await pushImage(ci.docker, built, ref, 'single', auth);
    const size = await manifestSize(digest);
    await putManifest(ci, repository, 'multi', mediaTypes.ociIndex, {
      schemaVersion: 2,
      mediaType: mediaTypes.ociIndex,
      manifests: [{ mediaType: mediaTypes.dockerManifest, digest, size, platform: { architecture: 'amd64', os: 'linux' } }],
    });

    const index = await readTag(ci.url, auth, repository, 'multi');

    expect(index).toEqual({
      kind: 'index',
      manifestDigest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/),
      mediaType: mediaTypes.ociIndex,
      manifests: [{ digest, mediaType: mediaTypes.dockerManifest, platform: 'linux/amd64' }],
    });
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function manifestSize(digest: string): Promise<number> {
  const response = await fetch(`${ci.url}/v2/${repository}/manifests/${digest}`, {
    headers: { Accept: mediaTypes.dockerManifest, Authorization: `Basic ${Buffer.from(`${ci.user}:${ci.password}`).toString('base64')}` },
  });
  return (await response.arrayBuffer()).byteLength;
}

describe('registry failures', () => {
  // Never registered for redaction: the messages must not carry it in the first place.
  const wrong = `wrong-password-${randomBytes(8).toString('hex')}`;

  it('a wrong password reading is a RegistryAuthError that names the user, never the password', async () => {
    const error = await readTag(ci.url, { ...auth, password: wrong }, repository, 'v1').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RegistryAuthError);
    expect((error as Error).message).toBe(
      `The registry at ${ci.url} refused user AWS to read the manifest of ${repository}:v1 (HTTP 401: UNAUTHORIZED: authentication required). ` +
        'Check the registry credentials; for ECR, the app role needs ecr:GetAuthorizationToken and pull and push permissions on the repository.',
    );
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(wrong);
  });

  it('a wrong password pushing is a RegistryAuthError without the password, and the local tag is cleaned up', async () => {
    const error = await pushImage(ci.docker, built, ref, 'refused', { ...auth, password: wrong }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RegistryAuthError);
    expect((error as Error).message).toBe(
      `The registry ${ci.host} refused user AWS pushing ${ref}:refused: unauthorized: authentication required. ` +
        'Check the registry credentials; for ECR, the app role needs push permissions on the repository.',
    );
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(wrong);
    expect(await localId(`${ref}:refused`)).toBeUndefined();
    await expect(readTag(ci.url, auth, repository, 'refused')).resolves.toBeNull();
  });

  it('an unreachable registry is a RegistryError (retry later)', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const error = await readTag(endpoint, auth, repository, 'v1').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toBe(`Could not reach the registry at ${endpoint} to read the manifest of ${repository}:v1: fetch failed: connect ECONNREFUSED ${endpoint.slice(7)}`);
  });
});
