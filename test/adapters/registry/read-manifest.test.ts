import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mediaTypes } from '../../../src/adapters/registry/manifest-schema.ts';
import { readImageConfig, readTag } from '../../../src/adapters/registry/read-manifest.ts';
import { RegistryError } from '../../../src/adapters/registry/registry-errors.ts';

// Answers the real registry never gives (a missing digest header, corrupted bytes, a 503), from a stub fetch;
// everything else is tested against the real registry in push-image.test.ts and publish-tag.test.ts.
const endpoint = 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const auth = { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', username: 'AWS', password: 'stub-password-123' };
const configDigest = `sha256:${'c'.repeat(64)}`;
const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: mediaTypes.ociManifest,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: 2 },
  layers: [],
});
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

function stubFetch(status: number, body: string, headers: Record<string, string> = {}) {
  const requests: { url: string; headers: Record<string, string> }[] = [];
  const fetch = (async (url: URL, init?: RequestInit) => {
    requests.push({ url: url.toString(), headers: init?.headers as Record<string, string> });
    return new Response(body, { status, headers });
  }) as typeof globalThis.fetch;
  return { requests, fetch };
}

describe('readTag (stubbed answers)', () => {
  it('asks for every manifest kind with Basic auth, and takes the sha256 of the bytes when the digest header is missing', async () => {
    const { requests, fetch } = stubFetch(200, manifest, { 'content-type': mediaTypes.ociManifest });

    await expect(readTag(endpoint, auth, 'jenkins-agents/python', 'abc123', { fetch })).resolves.toEqual({
      kind: 'image',
      manifestDigest: sha256(manifest),
      mediaType: mediaTypes.ociManifest,
      configDigest,
    });
    expect(requests).toEqual([
      {
        url: `${endpoint}/v2/jenkins-agents/python/manifests/abc123`,
        headers: {
          Accept: `${mediaTypes.dockerManifest}, ${mediaTypes.ociManifest}, ${mediaTypes.dockerManifestList}, ${mediaTypes.ociIndex}`,
          Authorization: `Basic ${Buffer.from('AWS:stub-password-123').toString('base64')}`,
        },
      },
    ]);
  });

  it('refuses a digest header that does not match the bytes', async () => {
    const { fetch } = stubFetch(200, manifest, { 'docker-content-digest': `sha256:${'0'.repeat(64)}` });

    await expect(readTag(endpoint, auth, 'jenkins-agents/python', 'abc123', { fetch })).rejects.toThrow(
      new RegistryError(`The registry's digest sha256:${'0'.repeat(64)} for jenkins-agents/python:abc123 does not match its manifest (${sha256(manifest)}).`),
    );
  });

  it('turns a 503 into a RegistryError to retry later, with the registry\'s error codes', async () => {
    const { fetch } = stubFetch(503, JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'service unavailable' }] }));

    const error = await readTag(endpoint, auth, 'jenkins-agents/python', 'abc123', { fetch }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({
      status: 503,
      system: 'registry',
      message: `The registry at ${endpoint} failed to read the manifest of jenkins-agents/python:abc123 (HTTP 503: UNAVAILABLE: service unavailable); try again later.`,
    });
  });

  it('refuses names that are not registry names before sending anything', async () => {
    const { requests, fetch } = stubFetch(200, manifest);

    await expect(readTag(endpoint, auth, '../v2/other', 'abc123', { fetch })).rejects.toThrow('"../v2/other" is not a registry repository name');
    await expect(readTag(endpoint, auth, 'python', 'a/b', { fetch })).rejects.toThrow('"a/b" is neither a tag nor a sha256 digest');
    expect(requests).toEqual([]);
  });
});

describe('readImageConfig (stubbed answers)', () => {
  it('refuses a config blob whose bytes are not the digest asked for', async () => {
    const { fetch } = stubFetch(200, '{"config":{"Labels":{"a":"b"}}}');

    await expect(readImageConfig(endpoint, auth, 'jenkins-agents/python', configDigest, { fetch })).rejects.toThrow(
      `The registry, asked to read the image config ${configDigest} of jenkins-agents/python, answered a blob of another digest.`,
    );
  });
});
