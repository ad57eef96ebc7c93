import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishTag } from '../../../src/adapters/registry/publish-tag.ts';
import { pushImage } from '../../../src/adapters/registry/push-image.ts';
import { readTag } from '../../../src/adapters/registry/read-manifest.ts';
import { RegistryAuthError } from '../../../src/adapters/registry/registry-errors.ts';
import { tagManifest } from '../../../src/adapters/registry/tag-manifest.ts';
import { UserError } from '../../../src/errors.ts';
import { buildImage, ciRegistry, removeImages, type CiRegistry } from './ci-registry.ts';

// Against the real registry: what a rollback does to `latest`.
const run = randomBytes(4).toString('hex');
const repository = `test-${run}/python`;
const older = `dockyard-test-${run}/python:older`;
const newer = `dockyard-test-${run}/python:newer`;
let ci: CiRegistry;
let olderDigest: string;

beforeAll(async () => {
  ci = await ciRegistry();
  await buildImage(ci.docker, `FROM ${ci.rootImage}\nLABEL dockyard.test.run=${run} dockyard.test.image=older\n`, older);
  await buildImage(ci.docker, `FROM ${ci.rootImage}\nLABEL dockyard.test.run=${run} dockyard.test.image=newer\n`, newer);
  const auth = { registry: ci.host, username: ci.user, password: ci.password };
  ({ digest: olderDigest } = await publishTag({ docker: ci.docker, endpoint: ci.url, auth, repository, tag: 'older', localImage: older }));
  await publishTag({ docker: ci.docker, endpoint: ci.url, auth, repository, tag: 'newer', localImage: newer });
  await pushImage(ci.docker, newer, `${ci.host}/${repository}`, 'latest', auth);
}, 300_000);

afterAll(async () => {
  await removeImages(ci.docker, [older, newer]);
});

describe('tagManifest', () => {
  it('points latest at a digest the repository holds, byte for byte, and leaves the other tags alone', async () => {
    const auth = { registry: ci.host, username: ci.user, password: ci.password };
    const before = await readTag(ci.url, auth, repository, 'latest');
    expect(before?.manifestDigest).not.toBe(olderDigest);

    await expect(tagManifest(ci.url, auth, repository, olderDigest, 'latest')).resolves.toEqual({ digest: olderDigest });

    expect((await readTag(ci.url, auth, repository, 'latest', { includeLabels: true }))?.manifestDigest).toBe(olderDigest);
    expect((await readTag(ci.url, auth, repository, 'latest', { includeLabels: true })) as { labels?: Record<string, string> }).toMatchObject({ labels: { 'dockyard.test.image': 'older' } });
    expect((await readTag(ci.url, auth, repository, 'newer'))?.manifestDigest).toBe(before?.manifestDigest);
  });

  it('refuses a digest the repository does not hold, and credentials the registry refuses', async () => {
    const auth = { registry: ci.host, username: ci.user, password: ci.password };
    await expect(tagManifest(ci.url, auth, repository, `sha256:${'0'.repeat(64)}`, 'latest')).rejects.toThrow(UserError);
    await expect(tagManifest(ci.url, { ...auth, password: 'wrong' }, repository, olderDigest, 'latest')).rejects.toThrow(RegistryAuthError);
    expect((await readTag(ci.url, auth, repository, 'latest'))?.manifestDigest).toBe(olderDigest);
  });
});
