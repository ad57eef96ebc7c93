import { DescribeRepositoriesCommand, ECRClient, GetLifecyclePolicyCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoUrl } from './ecr-front.ts';
import type { FakePull } from './fake-github/fake-github.ts';
import { addComment, mergePull, openPull, pushToDefault } from './fake-github/pull-requests.ts';
import { cascUrl, childDockerfile, dockyardConfig, rootDockerfile, startE2e, type E2e } from './harness.ts';
import { botComments, checkTimeoutMs, completedRun, eventually, expectCleanRun, runsOn } from './observe.ts';
import { checkRunRerequestedEvent, issueCommentEvent, pullRequestEvent, pushEvent } from './payloads.ts';
import { manifestPushes, publishedTags, tagDigest } from './registry.ts';

// Merge to publish: pushes delivered as signed webhooks to the app process, images pushed by the real dockerd
// to the registry standing in for ECR's data plane, repositories made in moto, agents registered in the
// simulated Jenkins, which reads the document the app serves.

let e2e: E2e;
const publishName = 'Dockyard publish';
const jenkinsSection = ['jenkins:', '  controller: main', '  clouds:', '    - kind: docker', '      name: agents', '      dockerHost:', '        uri: unix:///var/run/docker.sock'];

/** Merges a pull request the way these tests do: check it, merge it, deliver the push; returns the merge commit. */
async function mergeAndPush(pull: FakePull, deliveries = 1): Promise<string> {
  const { github, repo } = e2e;
  const { before, after } = await mergePull(repo, pull);
  const payload = await pushEvent(github, repo, before, after);
  const id = `push-${after}`;
  await Promise.all(Array.from({ length: deliveries }, () => e2e.send('push', payload, id)));
  return after;
}

function jenkinsImages(): Record<string, string> {
  const templates = (e2e.jenkins?.state.clouds ?? []).flatMap((cloud) => cloud.templates);
  return Object.fromEntries(templates.map((template) => [String(template['labelString']), (template['dockerTemplateBase'] as { image: string }).image]));
}

async function jenkinsShows(label: string, image: string): Promise<void> {
  await e2e.github.waitFor(() => jenkinsImages()[label] === image, `Jenkins template ${label} on ${image} (has ${JSON.stringify(jenkinsImages())})`, 60_000);
}

beforeAll(async () => {
  e2e = await startE2e({ jenkins: true });
  e2e.jenkinsSources.urls.push({ url: await cascUrl(e2e, 'agents') });
  const { before, after } = await pushToDefault(e2e.repo, {
    '.github/dockyard.yml': dockyardConfig(e2e, ...jenkinsSection),
    '.trivyignore': 'CVE-2099-0001\n',
    'images/base/Dockerfile': rootDockerfile(e2e, 'base'),
    'images/base/image.yml': 'description: Common agent root.\nlabel: base\n',
  });
  await e2e.send('push', await pushEvent(e2e.github, e2e.repo, before, after));
  const run = await completedRun(e2e, after, publishName);
  expect(run.conclusion).toBe('success');
}, 240_000);

afterAll(async () => {
  await e2e?.close();
});

describe('publishing, end to end', () => {
  let firstMerge = '';

  it('publishes a merged pull request to ECR and registers it with Jenkins', async () => {
    const { github, repo } = e2e;
    const pull = await openPull(repo, { 'images/python/Dockerfile': childDockerfile(e2e, 'base', 'python'), 'images/python/image.yml': 'label: python\n' });
    await e2e.send('pull_request', await pullRequestEvent(github, repo, pull, 'opened'));
    expect((await completedRun(e2e, pull.headSha)).conclusion).toBe('success');

    firstMerge = await mergeAndPush(pull);
    const run = await completedRun(e2e, firstMerge, publishName);

    expect(run.conclusion).toBe('success');
    expect(await publishedTags(e2e, 'python')).toEqual(expect.arrayContaining([`sha-${firstMerge}`, 'latest']));
    expect(manifestPushes(e2e, 'python', `sha-${firstMerge}`)).toBe(1);
    const digest = await tagDigest(e2e, 'python', 'latest');
    expect(digest).toBe(await tagDigest(e2e, 'python', `sha-${firstMerge}`));

    // The repository moto holds: made by Dockyard, tagged with the catalog, with a lifecycle policy.
    const ecr = new ECRClient({ endpoint: motoUrl(), region: 'us-east-1', credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' } });
    const [described] = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [`${e2e.prefix}/python`] }))).repositories ?? [];
    expect(described?.imageTagMutability).toBe('IMMUTABLE_WITH_EXCLUSION');
    expect(described?.imageScanningConfiguration?.scanOnPush).toBe(true);
    const tags = (await ecr.send(new ListTagsForResourceCommand({ resourceArn: described?.repositoryArn }))).tags ?? [];
    expect(tags).toEqual(expect.arrayContaining([{ Key: 'dockyard:catalog', Value: repo.fullName }]));
    expect((await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: `${e2e.prefix}/python` }))).lifecyclePolicyText).toContain('sha-');

    await jenkinsShows('python', `${e2e.registry.host}/${e2e.prefix}/python@${digest}`);
    const note = await github.waitFor(() => botComments(e2e, pull.number).find((comment) => comment.body.includes(`${digest}`)), 'the publish note on the merged pull request');
    expect(note.body).toContain(`${e2e.registry.host}/${e2e.prefix}/python:sha-${firstMerge}`);
    expectCleanRun(e2e);
  }, checkTimeoutMs * 2);

  it('answers the same delivery ten times with one check run and one publish', async () => {
    const { github, repo } = e2e;
    const pull = await openPull(repo, { 'images/python/Dockerfile': childDockerfile(e2e, 'base', 'python ten') });
    const opened = await pullRequestEvent(github, repo, pull, 'opened');
    const answers = await Promise.all(Array.from({ length: 10 }, () => e2e.send('pull_request', opened, `opened-${pull.headSha}`)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect((await completedRun(e2e, pull.headSha)).conclusion).toBe('success');

    const merge = await mergeAndPush(pull, 10);
    expect((await completedRun(e2e, merge, publishName)).conclusion).toBe('success');
    // Give a second publish time to show itself, if there were one.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(runsOn(e2e, pull.headSha)).toHaveLength(1);
    expect(runsOn(e2e, merge, publishName)).toHaveLength(1);
    expect(manifestPushes(e2e, 'python', `sha-${merge}`)).toBe(1);
    expectCleanRun(e2e);
  }, checkTimeoutMs * 2);

  it('completes a pull request check killed mid-build, and publishes a push killed mid-publish exactly once', async () => {
    const { github, repo, app } = e2e;
    const pull = await openPull(repo, { 'images/base/Dockerfile': rootDockerfile(e2e, 'base crash') });
    await e2e.send('pull_request', await pullRequestEvent(github, repo, pull, 'opened'));
    await github.waitFor(() => app.logs().some((record) => record.msg === 'building pull request' && record['pr'] === pull.number), 'the build to start', 60_000);
    await app.kill();
    await app.restart();
    const checked = await completedRun(e2e, pull.headSha);
    expect(checked.conclusion).toBe('success');
    expect(runsOn(e2e, pull.headSha).map((run) => run.status)).toEqual(['completed']);

    const merge = await mergeAndPush(pull);
    // Killed once base's commit tag is in the registry and before the publish finished.
    await github.waitFor(() => manifestPushes(e2e, 'base', `sha-${merge}`) > 0, 'base pushed', checkTimeoutMs);
    await app.kill();
    await app.restart();
    const published = await completedRun(e2e, merge, publishName);
    expect(published.conclusion).toBe('success');
    expect(manifestPushes(e2e, 'base', `sha-${merge}`)).toBe(1);
    expect(manifestPushes(e2e, 'python', `sha-${merge}`)).toBe(1);
    // No run is left in progress by the killed process: the restarted one completes it (or another run).
    await github
      .waitFor(() => runsOn(e2e, merge, publishName).every((run) => run.status === 'completed'), 'every publish run on the merge completed', 15_000)
      .catch(() => undefined);
    expect(runsOn(e2e, merge, publishName).map((run) => `${run.status}/${run.conclusion}`)).toEqual(['completed/success']);
    const digest = await tagDigest(e2e, 'python', 'latest');
    expect(digest).toBe(await tagDigest(e2e, 'python', `sha-${merge}`));
    await jenkinsShows('python', `${e2e.registry.host}/${e2e.prefix}/python@${digest}`);
    expectCleanRun(e2e);
  }, checkTimeoutMs * 3);

  it('publishes again on Re-run of a failed Dockyard publish', async () => {
    const { github, repo } = e2e;
    const pull = await openPull(repo, { 'images/python/Dockerfile': childDockerfile(e2e, 'base', 'python rerun') });
    await e2e.send('pull_request', await pullRequestEvent(github, repo, pull, 'opened'));
    await completedRun(e2e, pull.headSha);
    e2e.ecr.down();
    const merge = await mergeAndPush(pull);
    const failed = await completedRun(e2e, merge, publishName);
    e2e.ecr.up();
    expect(failed.conclusion).toBe('failure');
    expect((await publishedTags(e2e, 'python')) ?? []).not.toContain(`sha-${merge}`);
    // A person presses Re-run after reading the failure; by then the job has recorded it (its retry is 30 s out).
    await github.waitFor(
      () => e2e.app.logs().some((record) => record.msg === 'job failed; will retry' && String(record['job']).endsWith(merge)),
      'the publish job to record its failure',
    );

    const asked = Date.now();
    await e2e.send('check_run', checkRunRerequestedEvent(github, repo, failed.id));
    // Sooner than the queue's own first retry (30 s ± 25 %): the Re-run did it.
    await github.waitFor(() => runsOn(e2e, merge, publishName).some((run) => run.conclusion === 'success'), 'the re-run publish', 20_000);
    expect(Date.now() - asked).toBeLessThan(20_000);
    expect((await publishedTags(e2e, 'python')) ?? []).toContain(`sha-${merge}`);
    expect(manifestPushes(e2e, 'python', `sha-${merge}`)).toBe(1);
    expectCleanRun(e2e);
  }, checkTimeoutMs * 2);

  it('rolls an image back: latest and Jenkins on the old digest', async () => {
    const { github, repo } = e2e;
    const old = await tagDigest(e2e, 'python', `sha-${firstMerge}`);
    expect(old).toBeDefined();
    expect(await tagDigest(e2e, 'python', 'latest')).not.toBe(old);
    const merged = [...repo.pulls.values()].find((pull) => pull.mergeCommitSha === firstMerge);
    if (!merged) throw new Error('the first merged pull request is gone');
    const comment = addComment(github, repo, merged, repo.owner, `/dockyard rollback python sha-${firstMerge}`);
    await e2e.send('issue_comment', await issueCommentEvent(github, repo, merged, comment));

    await eventually(async () => (await tagDigest(e2e, 'python', 'latest')) === old, 'latest on the old digest');
    await jenkinsShows('python', `${e2e.registry.host}/${e2e.prefix}/python@${old}`);
    expectCleanRun(e2e);
  }, checkTimeoutMs);

  it('fails the check on a commit that merges an invalid config', async () => {
    const { github, repo } = e2e;
    const { before, after } = await pushToDefault(repo, { '.github/dockyard.yml': dockyardConfig(e2e, ...jenkinsSection).replace('failOn: [CRITICAL]', 'failOn: [SEVERE]') });
    await e2e.send('push', await pushEvent(github, repo, before, after));
    const run = await github.waitFor(() => repo.checkRuns.find((candidate) => candidate.headSha === after && candidate.status === 'completed'), 'a check run on the commit', 60_000);
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('.github/dockyard.yml');
    expect(run.output.summary).toContain('scan.failOn');
    expectCleanRun(e2e);
  }, checkTimeoutMs);
});
