import { describe, expect, it } from 'vitest';
import { mockComments, repoPath } from '../mocks/github-api.ts';
import { capture, contents, FakeRepository, mockPublishRequests, payload, pushEvent, type Harness, useHarness } from './harness.ts';
import { grantedDockyardYml } from '../mocks/repository-fixtures.ts';

const harness = useHarness();

// The head commit of the `pull_request` example payloads.
const headSha = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const merged = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';

/** The repository's config choosing the operator's registry by its name, `main`, not by its host. */
function files(h: Harness, withPython: boolean): Record<string, string> {
  const result: Record<string, string> = {
    '.github/dockyard.yml': grantedDockyardYml(h.prefix),
    '.trivyignore': 'CVE-2099-0001\n',
    'images/base/Dockerfile': `FROM ${h.upstream}\nUSER root\nRUN echo base > /etc/agent-base\nUSER jenkins\n`,
  };
  if (withPython) {
    result['images/python/Dockerfile'] = `ARG REGISTRY=registry.example.com\nFROM \${REGISTRY}/${h.prefix}/base\nUSER root\nRUN cp /etc/agent-base /etc/agent-python-saw-base\nUSER jenkins\n`;
  }
  return result;
}

function expectAllRequestsMade(h: Harness): void {
  expect(h.unmatched).toEqual([]);
  expect(h.github.pendingMocks()).toEqual([]);
}

describe('pull request builds with a registry chosen by name', () => {
  it('build a child FROM the parent published in the named registry, pulled from its host', async () => {
    const h = harness();
    // base is published from the default branch: the name resolves to the CI registry's host.
    const main = new FakeRepository(merged, files(h, false));
    const published = await mockPublishRequests(h, main, '0'.repeat(40), 'none');
    h.github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: merged }).reply(200, contents(main.files['.github/dockyard.yml'] ?? ''));
    await h.probot.receive({ id: 'm1', name: 'push', payload: pushEvent('0'.repeat(40), merged) } as never);
    await h.services.queue.idle();
    expectAllRequestsMade(h);
    expect(published.updates[0]?.output.title).toBe('Dockyard: published 1 image');

    // A pull request adds python FROM ${REGISTRY}/<prefix>/base: base is not in the change, so the published one is pulled.
    const head = new FakeRepository(headSha, files(h, true));
    h.services.store.blobs.forgetBlobs();
    h.github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: 'master' }).reply(200, contents(main.files['.github/dockyard.yml'] ?? ''));
    h.github.get(`${repoPath}/pulls/2/files`).query({ per_page: 100 }).reply(200, [{ filename: 'images/python/Dockerfile', status: 'added' }]);
    h.github.post(`${repoPath}/check-runs`, { name: 'Dockyard', head_sha: headSha, status: 'queued' }).reply(201, { id: 42, html_url: 'https://github.com/Codertocat/Hello-World/runs/42' });
    h.github.patch(`${repoPath}/check-runs/42`, { status: 'in_progress' }).reply(200, {});
    h.github.get(`${repoPath}/contents/.hadolint.yaml`).query({ ref: 'master' }).reply(200, contents('ignored: [DL3066]\n'));
    head.mockCatalog(h.github);
    h.github.get(`${repoPath}/contents/.trivyignore`).query({ ref: 'master' }).reply(200, contents('CVE-2099-0001\n'));
    await head.mockTarball(h.github);
    const updates: { conclusion: string; output: { title: string; summary: string } }[] = [];
    h.github.patch(`${repoPath}/check-runs/42`, capture(updates)).reply(200, {});
    mockComments(h.github, 2, []);
    const comments: { body: string }[] = [];
    h.github.post(`${repoPath}/issues/2/comments`, capture(comments)).reply(201, { id: 8 });

    await h.probot.receive({ id: 'pr1', name: 'pull_request', payload: payload('pull_request', 'opened') } as never);
    await h.services.queue.idle();

    expectAllRequestsMade(h);
    const body = comments[0]?.body ?? '';
    // Taken as a host, `main/<prefix>/base` would not be found and python skipped as "not published yet".
    expect(body).not.toContain('not published yet');
    expect(body).not.toContain('main/');
    expect(updates[0]?.conclusion).toBe('success');
    expect(body).toMatch(/python/);
  }, 600_000);
});
