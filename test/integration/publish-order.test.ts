import { describe, expect, it } from 'vitest';
import { readTag } from '../../src/adapters/registry/read-manifest.ts';
import { mockInstallationToken, repoPath } from '../mocks/github-api.ts';
import { capture, compareAnswer, contents, FakeRepository, mockPublishRequests, pushEvent, testConfig, type Harness, useHarness } from './harness.ts';

// Retries come after 3 s: long enough for the newer commit to publish first, as after a real outage.
const harness = useHarness({ queueOptions: { backoffMs: () => 3_000 } });

const base = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a';
const older = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
const newer = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2';

function files(h: Harness, note: string): Record<string, string> {
  return {
    '.github/dockyard.yml': testConfig(h, 'scan:', '  failOn: [CRITICAL]'),
    '.trivyignore': 'CVE-2099-0001\n',
    'images/base/Dockerfile': `FROM ${h.upstream}\nUSER root\nRUN echo "${note}" > /etc/agent-base\nUSER jenkins\n`,
  };
}

const changed = [{ filename: 'images/base/Dockerfile', status: 'modified' }];

/** Waits for something the job queue does on a timer (a retry). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await harness().services.queue.idle();
  }
}

describe('publishing only moves forward', () => {
  it('an older commit whose publish failed and is retried after a newer one published pushes its tags, but leaves `latest` and the published state on the newer commit', async () => {
    const h = harness();
    const auth = { registry: h.ci.host, username: h.ci.user, password: h.ci.password };
    const olderRepo = new FakeRepository(older, files(h, 'older'));
    const newerRepo = new FakeRepository(newer, files(h, 'newer'));

    // 1. The older commit: GitHub fails to serve its tarball, so the job ends before pushing and is retried.
    mockInstallationToken(h.github);
    h.github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: older }).reply(200, contents(olderRepo.files['.github/dockyard.yml'] ?? ''));
    h.github.get(`${repoPath}/compare/${base}...${older}`).query({ per_page: 100 }).reply(200, compareAnswer('ahead', 1, 0, changed));
    olderRepo.mockCatalog(h.github);
    h.github.post(`${repoPath}/check-runs`).reply(201, { id: 70, html_url: 'https://github.com/Codertocat/Hello-World/runs/70' });
    for (const file of ['.hadolint.yaml', '.hadolint.yml']) h.github.get(`${repoPath}/contents/${file}`).query({ ref: older }).reply(404, { message: 'Not Found' });
    h.github.get(`${repoPath}/contents/.trivyignore`).query({ ref: older }).reply(200, contents(olderRepo.files['.trivyignore'] ?? ''));
    h.github.get(`${repoPath}/tarball/${older}`).reply(503, { message: 'Service Unavailable' });
    const stopped: { conclusion: string; output: { title: string } }[] = [];
    h.github.patch(`${repoPath}/check-runs/70`, capture(stopped)).reply(200, {});

    await h.probot.receive({ id: 'o1', name: 'push', payload: pushEvent(base, older) } as never);
    await h.services.queue.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.github.pendingMocks()).toEqual([]);
    expect(stopped[0]?.output.title).toBe('Dockyard could not finish publishing');

    // 2. The newer commit publishes before the retry: `latest` and the state move to it.
    const published = await mockPublishRequests(h, newerRepo, older, changed);
    // Its registration reads the config of the commit (which has no jenkins section: nothing more).
    h.github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: newer }).reply(200, contents(newerRepo.files['.github/dockyard.yml'] ?? ''));
    await h.probot.receive({ id: 'n1', name: 'push', payload: pushEvent(older, newer) } as never);
    await h.services.queue.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.github.pendingMocks()).toEqual([]);
    expect(published.updates[0]?.output.title).toBe('Dockyard: published 1 image');
    const newerImage = await readTag(h.ci.url, auth, `${h.prefix}/base`, `sha-${newer}`);
    if (newerImage?.kind !== 'image') throw new Error('the newer commit must be published');
    expect((await readTag(h.ci.url, auth, `${h.prefix}/base`, 'latest'))?.manifestDigest).toBe(newerImage.manifestDigest);

    // 3. The older commit's retry: the newer commit holds `latest` and the published state.
    const retried = await mockPublishRequests(h, olderRepo, base, changed, {
      branch: compareAnswer('ahead', 1, 0),
      compare: {
        [`${newer}...${older}`]: compareAnswer('behind', 0, 1),
        [`${newer}...master`]: compareAnswer('identical', 0, 0),
      },
    });
    await eventually(() => retried.updates.length > 0, 'the older commit\'s retry');
    await h.services.queue.idle();
    // No registration follows (it would read the older commit's config, which is not mocked).
    expect(h.unmatched).toEqual([]);
    expect(h.github.pendingMocks()).toEqual([]);

    const olderImage = await readTag(h.ci.url, auth, `${h.prefix}/base`, `sha-${older}`);
    if (olderImage?.kind !== 'image') throw new Error('the older commit\'s immutable tags must be published');
    expect(olderImage.manifestDigest).not.toBe(newerImage.manifestDigest);
    expect((await readTag(h.ci.url, auth, `${h.prefix}/base`, `20261129-${older.slice(0, 7)}`))?.manifestDigest).toBe(olderImage.manifestDigest);
    expect((await readTag(h.ci.url, auth, `${h.prefix}/base`, 'latest'))?.manifestDigest).toBe(newerImage.manifestDigest);
    expect(h.services.store.publishedImages('Codertocat/Hello-World')).toMatchObject([
      { image: 'base', digest: newerImage.manifestDigest, commit: newer },
    ]);

    expect(retried.updates[0]?.conclusion).toBe('success');
    expect(retried.updates[0]?.output.title).toBe('Dockyard: published 1 image (tags only: latest stays on a newer commit)');
    expect(retried.comments[0]?.body).toContain(
      `- **base**: published \`20261129-${older.slice(0, 7)}\` and \`sha-${older}\` tags; \`latest\` stays on \`${newer.slice(0, 7)}\` (newer on \`master\`).`,
    );
  }, 600_000);
});
