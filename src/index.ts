import type { Probot } from 'probot';
import { onCheckRunRerequested, onPullRequest } from './github/pull-request-handlers.ts';

/** The Dockyard GitHub App: routes events to their handlers, nothing else. */
export default function dockyard(app: Probot): void {
  app.on(
    ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'],
    onPullRequest,
  );
  app.on('check_run.rerequested', onCheckRunRerequested);
}
