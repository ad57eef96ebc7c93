import type { ApplicationFunctionOptions, Probot } from 'probot';
import { writeSync } from 'node:fs';
import { createServices, wirePullRequestChecks, type Services } from './app/services.ts';
import { checkWebhookSecret } from './config/webhook-secret.ts';
import { UserError } from './errors.ts';
import { onComment } from './github/comment-handler.ts';
import { onCheckRunRerequested, onPullRequest } from './github/pull-request-handlers.ts';
import { onPush } from './github/push-handler.ts';
import { serveHealth } from './server/health.ts';
import { DockyardMetrics } from './server/metrics.ts';
import { serveCasc } from './server/serve-casc.ts';

/**
 * The Dockyard GitHub App: routes events to their handlers, nothing else. Services (state, Docker,
 * ECR, Trivy) come from the environment, or from the caller in tests; `writes` is the pacer of the
 * Octokit the app runs with, reported in /metrics.
 */
export function createDockyard(services?: Services, { writes }: { writes?: { waiting(): number } } = {}) {
  return (app: Probot, options?: ApplicationFunctionOptions): void => {
    if (!services) refuseInsecureStart(app);
    const wired = services ?? servicesOrExit(app);
    const { queue, store } = wired;
    const metrics = wired.metrics ?? new DockyardMetrics(store);
    if (writes) metrics.watchWrites(writes);
    const timed = metrics.webhook.bind(metrics);
    options?.addHandler(serveCasc(store));
    options?.addHandler(serveHealth(wired.readiness ?? { state: () => store.assertReadable() }));
    options?.addHandler(metrics.handler());
    // Every check of a pull request, whatever asks for it, goes through these: the queue runs it in the pull request's lane.
    const checks = wirePullRequestChecks(app, wired);
    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'], timed(onPullRequest(checks)));
    app.on('check_run.rerequested', timed(onCheckRunRerequested(checks, queue)));
    app.on('push', timed(onPush(queue)));
    app.on('issue_comment.created', timed(onComment({ store, queue, checks })));
    queue.kick();
  };
}

export default createDockyard();

/** Creates the services, or ends the process before it listens when the operator's settings are invalid. */
function servicesOrExit(app: Probot): Services {
  try {
    return createServices(app);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    writeSync(2, `dockyard: refusing to start: ${error.message}\n`);
    process.exit(1);
  }
}

/** Ends the process before it listens when webhooks could be forged; warns loudly in development mode. */
function refuseInsecureStart(app: Probot): void {
  const check = checkWebhookSecret(process.env);
  if (check.ok) {
    if (check.development) {
      app.log.warn('DOCKYARD_DEVELOPMENT_MODE=true: webhook signatures may use a public secret. Never run this way where others can reach the app.');
    }
    return;
  }
  writeSync(2, `dockyard: refusing to start: ${check.message}\n`);
  process.exit(1);
}
