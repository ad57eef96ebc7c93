import examples from '@octokit/webhooks-examples';
import { repoPath } from './github-api.ts';

/** A real webhook payload from @octokit/webhooks-examples (the first one with an installation), copied. */
export function payload<T = Record<string, unknown>>(event: string, action?: string, pick?: (example: Record<string, unknown>) => boolean): T {
  const group = (examples as unknown as { name: string; examples: Record<string, unknown>[] }[]).find((entry) => entry.name === event);
  const found = group?.examples.find(
    (example) => example['installation'] && (action === undefined || example['action'] === action) && (pick?.(example) ?? true),
  );
  if (!found) throw new Error(`no ${event}${action ? `.${action}` : ''} example with an installation`);
  return structuredClone(found) as T;
}

type Example = Record<string, unknown>;
export type PullRequestCommentEvent = Example & { issue: Example; comment: Example & { user: { login: string } } };

/** An `issue_comment.created` payload for a comment on pull request #2 of the example repository. */
export function pullRequestComment(body: string, createdAt?: string): PullRequestCommentEvent {
  const event = payload<PullRequestCommentEvent>('issue_comment', 'created');
  event.issue['number'] = 2;
  event.issue['pull_request'] = { url: `https://api.github.com${repoPath}/pulls/2` };
  event.comment['body'] = body;
  if (createdAt !== undefined) event.comment['created_at'] = createdAt;
  return event;
}
