import { createRequire } from 'node:module';
import type { FakeComment, FakeGitHub, FakePull, FakeRepo } from './fake-github/fake-github.ts';
import { checkRunShape, commentShape, pullShape, repoShape, userShape } from './fake-github/shapes.ts';

/** The installation the deliveries come from. */
export const installationId = 4242;

type Payload = Record<string, unknown>;

// A JSON module: required, so the file loads the same under vitest and plain `node` (bench/webhooks.ts).
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Payload[] }[];

/** A real payload of @octokit/webhooks-examples with an installation, copied, for the fields this file does not set. */
function example(event: string, action?: string): Payload {
  const group = examples.find((entry) => entry.name === event);
  const found = group?.examples.find((candidate) => candidate['installation'] && (action === undefined || candidate['action'] === action));
  if (!found) throw new Error(`no ${event}${action ? `.${action}` : ''} example with an installation`);
  return structuredClone(found);
}

function common(github: FakeGitHub, repo: FakeRepo, sender: string): Payload {
  return {
    repository: { ...repoShape(github, repo) },
    installation: { id: installationId, node_id: `MDIz${installationId}` },
    sender: userShape(github, sender, 7000 + sender.length),
  };
}

/** pull_request.<action> for a pull request of the fake, as GitHub sends it now. */
export async function pullRequestEvent(github: FakeGitHub, repo: FakeRepo, pull: FakePull, action: 'opened' | 'synchronize' | 'reopened' | 'closed', before?: string): Promise<Payload> {
  const base = example('pull_request', action === 'synchronize' ? 'synchronize' : 'opened');
  const payload: Payload = {
    ...base,
    ...common(github, repo, pull.author),
    action,
    number: pull.number,
    pull_request: { ...(base['pull_request'] as Payload), ...(await pullShape(github, repo, pull)) },
  };
  if (action === 'synchronize') Object.assign(payload, { before: before ?? pull.headSha, after: pull.headSha });
  return payload;
}

/** push to the default branch (docs.github.com/webhooks/webhook-events-and-payloads#push). */
export async function pushEvent(github: FakeGitHub, repo: FakeRepo, before: string, after: string): Promise<Payload> {
  const base = example('push');
  const timestamp = await repo.git.commitTime(after);
  const headCommit = { ...(base['head_commit'] as Payload), id: after, tree_id: await repo.git.treeOf(after), timestamp, message: 'merge' };
  return {
    ...base,
    ...common(github, repo, repo.owner),
    ref: `refs/heads/${repo.defaultBranch}`,
    before,
    after,
    created: /^0+$/.test(before),
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `http://${github.host}/${repo.fullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: [headCommit],
    head_commit: headCommit,
    pusher: { name: repo.owner, email: null },
  };
}

/** issue_comment.created on a pull request. */
export async function issueCommentEvent(github: FakeGitHub, repo: FakeRepo, pull: FakePull, comment: FakeComment): Promise<Payload> {
  const base = example('issue_comment', 'created');
  const shaped = await pullShape(github, repo, pull);
  return {
    ...base,
    ...common(github, repo, comment.user.login),
    action: 'created',
    issue: {
      ...(base['issue'] as Payload),
      number: pull.number,
      title: pull.title,
      state: pull.state,
      user: shaped.user,
      html_url: shaped.html_url,
      pull_request: { url: shaped.url, html_url: shaped.html_url, merged_at: pull.mergedAt },
    },
    comment: commentShape(github, repo, comment),
  };
}

/** check_run.rerequested: someone pressed Re-run on a check run of the app (no pull requests listed on the default branch). */
export function checkRunRerequestedEvent(github: FakeGitHub, repo: FakeRepo, runId: number, sender = repo.owner): Payload {
  const run = repo.checkRuns.find((candidate) => candidate.id === runId);
  if (!run) throw new Error(`no check run ${runId}`);
  const base = example('check_run', 'rerequested');
  return { ...base, ...common(github, repo, sender), action: 'rerequested', check_run: { ...(base['check_run'] as Payload), ...checkRunShape(github, repo, run) } };
}
