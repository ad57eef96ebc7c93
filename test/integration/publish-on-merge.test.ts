import { describe, expect, it } from 'vitest';
import { readImageConfig, readTag } from '../../src/adapters/registry/read-manifest.ts';
import { FakeRepository, mockPublishRequests, pushEvent, testConfig, zero, type Harness, useHarness } from './harness.ts';

const harness = useHarness();

const first = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const second = '7a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
const third = '8b2c3d4e5f60718293a4b5c6d7e8f90123456789';

function catalog(h: Harness, baseNote: string): Record<string, string> {
  return {
    '.github/dockyard.yml': testConfig(h, 'scan:', '  failOn: [CRITICAL]'),
    // A waiver for the fixture advisory on tar, so the gate lets the images through.
    '.trivyignore': 'CVE-2099-0001\n',
    'images/base/Dockerfile': `FROM ${h.upstream}\nUSER root\nRUN echo "${baseNote}" > /etc/agent-base\nUSER jenkins\n`,
    'images/base/image.yml': 'description: Common agent root.\nlabel: base\n',
    'images/python/Dockerfile': `ARG REGISTRY=registry.example.com\nFROM \${REGISTRY}/${h.prefix}/base\nUSER root\nRUN cp /etc/agent-base /etc/agent-python-saw-base\nUSER jenkins\n`,
  };
}

describe('publish on merge', () => {
  it('builds the catalog in order, pushes each image to the registry and reports tags and digests', async () => {
    const h = harness();
    const repo = new FakeRepository(first, catalog(h, 'first'));
    const mocks = await mockPublishRequests(h, repo, zero, 'none');

    await h.probot.receive({ id: 'p1', name: 'push', payload: pushEvent(zero, first) } as never);
    await h.services.queue.idle();

    expect(h.unmatched).toEqual([]);
    expect(h.github.pendingMocks()).toEqual([]);
    expect(mocks.checkRuns).toEqual([{ name: 'Dockyard publish', head_sha: first, status: 'in_progress' }]);
    expect(mocks.updates[0]?.conclusion).toBe('success');
    expect(mocks.updates[0]?.output.title).toBe('Dockyard: published 2 images');

    const auth = { registry: h.ci.host, username: h.ci.user, password: h.ci.password };
    const base = await readTag(h.ci.url, auth, `${h.prefix}/base`, `sha-${first}`);
    const python = await readTag(h.ci.url, auth, `${h.prefix}/python`, `sha-${first}`);
    if (base?.kind !== 'image' || python?.kind !== 'image') throw new Error('both images must be in the registry');
    expect((await readTag(h.ci.url, auth, `${h.prefix}/base`, `20261129-${first.slice(0, 7)}`))?.manifestDigest).toBe(base.manifestDigest);
    expect((await readTag(h.ci.url, auth, `${h.prefix}/base`, 'latest'))?.manifestDigest).toBe(base.manifestDigest);

    const baseLabels = (await readImageConfig(h.ci.url, auth, `${h.prefix}/base`, base.configDigest)).config?.Labels ?? {};
    expect(baseLabels).toMatchObject({
      'org.opencontainers.image.title': 'base',
      'org.opencontainers.image.revision': first,
      'org.opencontainers.image.source': 'https://github.com/Codertocat/Hello-World',
      'org.opencontainers.image.description': 'Common agent root.',
      'org.opencontainers.image.base.name': 'docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21',
      'org.opencontainers.image.base.digest': h.upstream.split('@')[1],
    });
    // The child was built FROM the base built in the same run.
    const pythonLabels = (await readImageConfig(h.ci.url, auth, `${h.prefix}/python`, python.configDigest)).config?.Labels ?? {};
    expect(pythonLabels['org.opencontainers.image.base.digest']).toBe(base.configDigest);

    const body = mocks.comments[0]?.body ?? '';
    expect(body.startsWith('<!-- dockyard:publish -->\n## ✅ Dockyard published 2 images')).toBe(true);
    expect(body).toContain(`| **base** | ✅ published | \`${h.ci.host}/${h.prefix}/base:20261129-${first.slice(0, 7)}\`<br>\`${h.ci.host}/${h.prefix}/base:sha-${first}\` | \`${base.manifestDigest}\` |`);
    expect(body).toContain(`\`${python.manifestDigest}\``);
    expect(JSON.stringify(mocks)).not.toContain(h.ci.password);
  }, 600_000);

  it('publishes nothing twice when the push event is delivered again', async () => {
    const h = harness();
    await h.probot.receive({ id: 'p1-again', name: 'push', payload: pushEvent(zero, first) } as never);
    await h.services.queue.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.github.pendingMocks()).toEqual([]);
  });

  it('rebuilds the child when only its parent changed', async () => {
    const h = harness();
    const repo = new FakeRepository(second, catalog(h, 'second'));
    const mocks = await mockPublishRequests(h, repo, first, [{ filename: 'images/base/Dockerfile', status: 'modified' }]);

    await h.probot.receive({ id: 'p2', name: 'push', payload: pushEvent(first, second) } as never);
    await h.services.queue.idle();

    expect(h.unmatched).toEqual([]);
    expect(h.github.pendingMocks()).toEqual([]);
    expect(mocks.updates[0]?.output.title).toBe('Dockyard: published 2 images');
    const auth = { registry: h.ci.host, username: h.ci.user, password: h.ci.password };
    const base = await readTag(h.ci.url, auth, `${h.prefix}/base`, `sha-${second}`);
    const python = await readTag(h.ci.url, auth, `${h.prefix}/python`, `sha-${second}`);
    if (base?.kind !== 'image' || python?.kind !== 'image') throw new Error('both images must be republished');
    const pythonLabels = (await readImageConfig(h.ci.url, auth, `${h.prefix}/python`, python.configDigest)).config?.Labels ?? {};
    expect(pythonLabels['org.opencontainers.image.base.digest']).toBe(base.configDigest);
    expect(pythonLabels['org.opencontainers.image.revision']).toBe(second);
  }, 600_000);

  it('publishes nothing the lint check fails, even behind an inline hadolint ignore', async () => {
    const h = harness();
    const files = catalog(h, 'third');
    files['images/base/Dockerfile'] = `FROM ${h.upstream}\nUSER root\n# hadolint ignore=DL3008\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER jenkins\n`;
    const repo = new FakeRepository(third, files);
    // Nothing passes lint, so no image's `latest` is decided.
    const mocks = await mockPublishRequests(h, repo, second, [{ filename: 'images/base/Dockerfile', status: 'modified' }], { decides: false });

    await h.probot.receive({ id: 'p3', name: 'push', payload: pushEvent(second, third) } as never);
    await h.services.queue.idle();

    expect(h.unmatched).toEqual([]);
    expect(h.github.pendingMocks()).toEqual([]);
    expect(mocks.updates[0]?.conclusion).toBe('failure');
    expect(mocks.updates[0]?.output.title).toBe('Dockyard: 2 of 2 images not published');
    expect(mocks.comments[0]?.body).toContain(
      '- **base**: the parent policy or lint fails for this image on the default branch: DL3008 at `images/base/Dockerfile:4`.',
    );
    const auth = { registry: h.ci.host, username: h.ci.user, password: h.ci.password };
    expect(await readTag(h.ci.url, auth, `${h.prefix}/base`, `sha-${third}`)).toBeNull();
    expect(await readTag(h.ci.url, auth, `${h.prefix}/python`, `sha-${third}`)).toBeNull();
  }, 600_000);
});
