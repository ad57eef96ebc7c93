import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addComment, openPull, pushToDefault, pushToPull } from './fake-github/pull-requests.ts';
import { childDockerfile, dockyardConfig, rootDockerfile, startE2e, type E2e } from './harness.ts';
import { publishedTags } from './registry.ts';
import { annotationKeys, botComments, checkTimeoutMs, completedRun, expectCleanRun, runsOn } from './observe.ts';
import { issueCommentEvent, pullRequestEvent } from './payloads.ts';

// The app as a process, pull requests delivered as signed webhooks over HTTP, GitHub played by a git-backed
// fake, builds on the real dockerd, scans by real Trivy, ECR's control plane by moto.

let e2e: E2e;
const unapproved = 'FROM debian:bookworm\nRUN echo unapproved > /etc/agent\n';

beforeAll(async () => {
  e2e = await startE2e();
  await pushToDefault(e2e.repo, {
    '.github/dockyard.yml': dockyardConfig(e2e),
    // The fixture's critical advisory on tar is in every image here: waived, so images can pass the gate.
    '.trivyignore': 'CVE-2099-0001\n',
    'images/base/Dockerfile': rootDockerfile(e2e, 'base'),
    'images/base/image.yml': 'description: Common agent root.\n',
    'images/python/Dockerfile': childDockerfile(e2e, 'base', 'python'),
  });
}, 180_000);

afterAll(async () => {
  await e2e?.close();
});

describe('pull requests, end to end', () => {
  it('reports a good and a bad image in one check run and one comment', async () => {
    const { github, repo } = e2e;
    const pull = await openPull(repo, { 'images/good/Dockerfile': rootDockerfile(e2e, 'good'), 'images/bad/Dockerfile': unapproved });

    const answer = await e2e.send('pull_request', await pullRequestEvent(github, repo, pull, 'opened'));
    expect(answer.status).toBe(200);
    const run = await completedRun(e2e, pull.headSha);

    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('Dockyard: 1 finding must be fixed');
    expect(annotationKeys(run)).toContain('images/bad/Dockerfile:1 DY001');
    expect(run.output.summary).toContain('`docker.io/library/debian:bookworm` is not an approved parent.');
    expect(run.output.summary).toMatch(/^\| bad \(changed\) \| `debian:bookworm` ❌ not approved \| ❌ 1 \| ⏭️ not built \|$/m);
    // The good image was really built and scanned: the fixture's findings on the root, the waiver applied.
    expect(run.output.summary).toMatch(/^\| good \(changed\) \| `docker\.io\/jenkins\/inbound-agent:[^|]+` ✅ \| [^|]+ \| ✅ 2 high, 1 waived \|$/m);
    const comments = await github.waitFor(() => botComments(e2e, pull.number).length > 0 && botComments(e2e, pull.number), 'the comment');
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('`docker.io/library/debian:bookworm` is not an approved parent.');
    expect(runsOn(e2e, pull.headSha)).toHaveLength(1);
    expectCleanRun(e2e);
  }, checkTimeoutMs);

  it('rebuilds every descendant of a changed parent, each FROM the parent just built', async () => {
    const { github, repo } = e2e;
    // Nothing is published: python can only build FROM the base this check builds.
    const pull = await openPull(repo, { 'images/base/Dockerfile': rootDockerfile(e2e, 'base v2') });

    await e2e.send('pull_request', await pullRequestEvent(github, repo, pull, 'opened'));
    const run = await completedRun(e2e, pull.headSha);

    expect(run.conclusion).toBe('success');
    expect(run.output.summary).toMatch(/^\| base \(changed\) \| [^|]+ ✅ \| [^|]+ \| ✅ [^|]*\|$/m);
    // The child was built and scanned FROM this base: it adds no vulnerability of its own to it.
    expect(run.output.summary).toContain('| python | `base` ✅ | — | ✅ as `base` |');
    expect(run.output.summary).toContain('n2["python"]:::affected');
    expect(run.output.summary).toContain('**Build order** (2 images; images in one step build in parallel): base → python');
    expect(await publishedTags(e2e, 'base')).toBeUndefined();
    expectCleanRun(e2e);
  }, checkTimeoutMs);

  it('waits for a maintainer\'s /dockyard build before building a fork\'s pull request', async () => {
    const { github, repo } = e2e;
    const pull = await openPull(repo, { 'images/fork/Dockerfile': rootDockerfile(e2e, 'fork') }, { fork: true });

    await e2e.send('pull_request', await pullRequestEvent(github, repo, pull, 'opened'));
    const waiting = await completedRun(e2e, pull.headSha);
    expect(waiting.conclusion).toBe('action_required');
    expect(waiting.output.summary).toContain('/dockyard build');
    expect(e2e.app.logs().some((record) => record.msg === 'building pull request' && record['pr'] === pull.number)).toBe(false);

    // Someone without write access cannot approve.
    const outsider = addComment(github, repo, pull, 'outside-contributor', '/dockyard build');
    await e2e.send('issue_comment', await issueCommentEvent(github, repo, pull, outsider));
    const refusal = await github.waitFor(() => botComments(e2e, pull.number).find((comment) => comment.body.startsWith('@outside-contributor ')), 'the refusal');
    expect(refusal.body).toContain('only people with write access to dockyard-e2e/agents can approve building a pull request from a fork');

    const approval = addComment(github, repo, pull, repo.owner, '/dockyard build');
    await e2e.send('issue_comment', await issueCommentEvent(github, repo, pull, approval));
    const built = await github.waitFor(
      () => runsOn(e2e, pull.headSha).find((run) => run.status === 'completed' && run.conclusion !== 'action_required'),
      'the approved check',
      checkTimeoutMs,
    );
    expect(built.conclusion).toBe('success');
    expect(built.output.summary).toMatch(/^\| fork \(changed\) \| [^|]+ ✅ \| [^|]+ \| ✅ 2 high, 1 waived \|$/m);
    expect(e2e.app.logs().some((record) => record.msg === 'building pull request' && record['pr'] === pull.number)).toBe(true);
    expectCleanRun(e2e);
  }, checkTimeoutMs * 2);

  it('keeps one comment when two synchronize deliveries arrive at once', async () => {
    const { github, repo } = e2e;
    // The opening delivery never came: the first comment is made by one of two racing checks.
    const pull = await openPull(repo, { 'images/race/Dockerfile': rootDockerfile(e2e, 'race one') });
    const first = await pushToPull(repo, pull, { 'images/race/Dockerfile': rootDockerfile(e2e, 'race two') });
    const firstEvent = await pullRequestEvent(github, repo, { ...pull, headSha: first.after }, 'synchronize', first.before);
    const second = await pushToPull(repo, pull, { 'images/race/Dockerfile': rootDockerfile(e2e, 'race three') });
    const secondEvent = await pullRequestEvent(github, repo, pull, 'synchronize', second.before);

    const answers = await Promise.all([e2e.send('pull_request', firstEvent), e2e.send('pull_request', secondEvent)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const run = await completedRun(e2e, second.after);

    expect(run.conclusion).toBe('success');
    await github.waitFor(() => botComments(e2e, pull.number).some((comment) => comment.body.includes(second.after.slice(0, 7))), 'the comment on the newest head');
    expect(botComments(e2e, pull.number)).toHaveLength(1);
    // The older head's check never stays in progress.
    for (const older of runsOn(e2e, first.after)) expect(older.status).toBe('completed');
    expectCleanRun(e2e);
  }, checkTimeoutMs);

  it('still shows the policy findings when ECR is down', async () => {
    const { github, repo } = e2e;
    const pull = await openPull(repo, { 'images/outage/Dockerfile': rootDockerfile(e2e, 'outage'), 'images/outage-bad/Dockerfile': unapproved });
    // A fresh process holds no registry token from an earlier check: this check must ask ECR for one.
    await e2e.app.stop();
    await e2e.app.restart();
    e2e.ecr.down();
    try {
      await e2e.send('pull_request', await pullRequestEvent(github, repo, pull, 'opened'));
      const run = await completedRun(e2e, pull.headSha);
      expect(e2e.ecr.calls.some((call) => call.status === 503)).toBe(true);
      expect(run.conclusion).toBe('failure');
      expect(annotationKeys(run)).toContain('images/outage-bad/Dockerfile:1 DY001');
      expect(run.output.summary).toContain('`docker.io/library/debian:bookworm` is not an approved parent.');
      expect(run.output.summary).toMatch(/ECR/);
      const comment = await github.waitFor(() => botComments(e2e, pull.number)[0], 'the comment');
      expect(comment.body).toContain('is not an approved parent');
    } finally {
      e2e.ecr.up();
    }
    expectCleanRun(e2e);
  }, checkTimeoutMs);
});
