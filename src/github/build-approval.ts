import type { StateStore } from '../adapters/state/state-store.ts';
import { buildCommand } from '../jobs/check-pull-request.ts';
import { parseCommand } from './commands.ts';

/** `/dockyard build` or `/dockyard build <sha>` (7 to 40 hex digits): the commit the maintainer reviewed. */
export function parseBuildCommand(body: string): { sha?: string } | undefined {
  const command = parseCommand(body);
  if (command?.kind !== 'build') return undefined;
  return command.sha ? { sha: command.sha } : {};
}

export interface ApprovalRequest {
  repo: string;
  pr: number;
  /** The pull request's head now, when the comment is handled. */
  head: string;
  /** When the comment was written, by GitHub's clock (`comment.created_at`). */
  commentedAt: string;
  command: { sha?: string };
}

export type ApprovalDecision = { approve: true; sha: string } | { approve: false; reply: string };

/**
 * Binds an approval to the commit its author saw. With a sha, only that commit, and only while it is
 * still the head. Without one, the head is approved only if it already was the head when the comment
 * was written: GitHub's timestamp of the event that showed this head must be earlier than the
 * comment's. Timestamps from commits are the pusher's to choose, so they are never used. A push
 * between the comment and its handling, or a redelivered old comment, gets a reply instead.
 */
export function decideApproval(store: Pick<StateStore, 'headSince'>, request: ApprovalRequest): ApprovalDecision {
  const short = request.head.slice(0, 7);
  const explicit = `\`${buildCommand} ${short}\``;
  if (request.command.sha !== undefined) {
    if (request.head.startsWith(request.command.sha)) return { approve: true, sha: request.head };
    return {
      approve: false,
      reply: `\`${request.command.sha.slice(0, 12)}\` is not the head of this pull request any more: it is now \`${short}\`. Review the new commits, then comment ${explicit} to build them.`,
    };
  }
  const since = store.headSince(request.repo, request.pr, request.head);
  if (since !== undefined && Date.parse(since) < Date.parse(request.commentedAt)) return { approve: true, sha: request.head };
  return {
    approve: false,
    reply: `The head of this pull request is \`${short}\`, which Dockyard cannot show was there when this approval was written, so nothing was built. Review \`${short}\`, then comment ${explicit} to build exactly that commit.`,
  };
}
