import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { GitHubClient } from '../adapters/github/github-client.ts';
import type { StateStore } from '../adapters/state/state-store.ts';
import type { JobObserver } from '../jobs/job-queue.ts';

/** Where Prometheus scrapes the app. */
export const metricsPath = '/metrics';

/** Seconds, from a quick GitHub answer to an hour-long build. */
const durationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** What a webhook handler gets from Probot that timing it needs. */
interface WebhookContext {
  name: string;
  payload: object;
  octokit: GitHubClient;
}

/** The headers of an Octokit response or error. */
type Headers = Record<string, string | number | undefined>;

/**
 * Dockyard's Prometheus metrics, in a registry of their own: queue depth by kind and state (read from the
 * state store at each scrape), job attempts' durations by outcome, webhook handling time, build and push
 * durations, and GitHub's rate limit remaining per installation as its answers report it. The parts of
 * the app report through small hooks (a job observer, wrapped ports, an Octokit hook), so none of them
 * knows about Prometheus.
 */
export class DockyardMetrics {
  readonly registry = new Registry();
  readonly #jobDuration: Histogram<'kind' | 'outcome'>;
  readonly #webhookDuration: Histogram<'event' | 'outcome'>;
  readonly #buildDuration: Histogram<'outcome'>;
  readonly #pushDuration: Histogram<'tag' | 'outcome'>;
  readonly #rateLimitRemaining: Gauge<'installation' | 'resource'>;
  readonly #rateLimit: Gauge<'installation' | 'resource'>;

  constructor(store: Pick<StateStore, 'jobCounts'>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'dockyard_jobs',
      help: 'Jobs not done, by kind and state (pending: not run yet; retrying: waiting for the next attempt; gave-up: needs `dockyard jobs retry`).',
      labelNames: ['kind', 'state'] as const,
      registers,
      collect() {
        this.reset();
        // A failing store leaves the gauge empty for this scrape; /readyz says why.
        let counts: ReturnType<StateStore['jobCounts']> = [];
        try {
          counts = store.jobCounts();
        } catch {
          return;
        }
        for (const { kind, state, count } of counts) this.set({ kind, state }, count);
      },
    });
    this.#jobDuration = new Histogram({
      name: 'dockyard_job_attempt_duration_seconds',
      help: 'How long one attempt of a job ran, by kind and outcome (succeeded, retrying, gave-up, aborted).',
      labelNames: ['kind', 'outcome'] as const,
      buckets: durationBuckets,
      registers,
    });
    this.#webhookDuration = new Histogram({
      name: 'dockyard_webhook_duration_seconds',
      help: 'How long handling a webhook took; GitHub waits for it before the delivery is answered.',
      labelNames: ['event', 'outcome'] as const,
      buckets: durationBuckets,
      registers,
    });
    this.#buildDuration = new Histogram({
      name: 'dockyard_build_duration_seconds',
      help: 'How long one image build took, by result (built, failed, refused, unapproved, error).',
      labelNames: ['outcome'] as const,
      buckets: durationBuckets,
      registers,
    });
    this.#pushDuration = new Histogram({
      name: 'dockyard_push_duration_seconds',
      help: 'How long publishing one tag took (immutable: a dated or sha- tag; moving: latest; retag: a rollback), by outcome.',
      labelNames: ['tag', 'outcome'] as const,
      buckets: durationBuckets,
      registers,
    });
    this.#rateLimitRemaining = new Gauge({
      name: 'dockyard_github_rate_limit_remaining',
      help: "Requests left in GitHub's current rate-limit window, per installation and resource, from the last answer.",
      labelNames: ['installation', 'resource'] as const,
      registers,
    });
    this.#rateLimit = new Gauge({
      name: 'dockyard_github_rate_limit',
      help: "Requests GitHub allows per rate-limit window, per installation and resource, from the last answer.",
      labelNames: ['installation', 'resource'] as const,
      registers,
    });
  }

  /** Reports how many GitHub writes wait for room in their installation's limits (src/adapters/github/write-pacing.ts). */
  watchWrites(writes: { waiting(): number }): void {
    new Gauge({
      name: 'dockyard_github_writes_waiting',
      help: "GitHub writes waiting for room in their installation's write limits (DOCKYARD_GITHUB_WRITE_LIMITS) or for a secondary rate limit to pass.",
      registers: [this.registry],
      collect() {
        this.set(writes.waiting());
      },
    });
  }

  /** Records each finished job attempt; give it to the job queue. */
  readonly jobObserver: JobObserver = {
    attemptFinished: (job, outcome, seconds) => this.#jobDuration.observe({ kind: job.kind, outcome }, seconds),
  };

  /** Times one image build; the outcome is the build's result, or `error` when it threw. */
  timeBuild<T extends { status: string }>(work: () => Promise<T>): Promise<T> {
    return timed(this.#buildDuration, {}, work, (result) => result.status);
  }

  /** Times publishing one tag. */
  timePush<T>(tag: 'immutable' | 'moving' | 'retag', work: () => Promise<T>): Promise<T> {
    return timed(this.#pushDuration, { tag }, work, () => 'ok');
  }

  /** Wraps a webhook handler: times it, and watches the rate limit on the client it is given. */
  webhook<C extends WebhookContext>(handler: (context: C) => Promise<void>): (context: C) => Promise<void> {
    return (context) => {
      const action = (context.payload as { action?: unknown }).action;
      const installation = (context.payload as { installation?: { id?: number } }).installation?.id;
      this.watchRateLimit(context.octokit, installation);
      return timed(this.#webhookDuration, { event: typeof action === 'string' ? `${context.name}.${action}` : context.name }, () => handler(context), () => 'ok');
    };
  }

  /** Adds an Octokit hook that reads GitHub's rate-limit headers from every answer, errors included. */
  watchRateLimit<O extends Pick<GitHubClient, 'hook'>>(octokit: O, installation: number | undefined): O {
    const record = (headers: Headers | undefined): void => {
      const remaining = Number(headers?.['x-ratelimit-remaining']);
      if (headers === undefined || !Number.isFinite(remaining)) return;
      const labels = { installation: installation === undefined ? 'app' : String(installation), resource: String(headers['x-ratelimit-resource'] ?? 'core') };
      this.#rateLimitRemaining.set(labels, remaining);
      const limit = Number(headers['x-ratelimit-limit']);
      if (Number.isFinite(limit)) this.#rateLimit.set(labels, limit);
    };
    octokit.hook.after('request', (response) => record(response.headers as Headers));
    octokit.hook.error('request', (error) => {
      record((error as { response?: { headers?: Headers } }).response?.headers);
      throw error;
    });
    return octokit;
  }

  /** The HTTP handler of `GET /metrics`, in Prometheus' text format. */
  handler() {
    return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
      if (request.method !== 'GET' || new URL(request.url ?? '/', 'http://app').pathname !== metricsPath) return false;
      const body = await this.registry.metrics();
      response.writeHead(200, { 'content-type': this.registry.contentType, 'cache-control': 'no-store' }).end(body);
      return true;
    };
  }
}

async function timed<L extends string, T>(histogram: Histogram<L | 'outcome'>, labels: Partial<Record<L, string>>, work: () => Promise<T>, outcomeOf: (result: T) => string): Promise<T> {
  const started = performance.now();
  let outcome = 'error';
  try {
    const result = await work();
    outcome = outcomeOf(result);
    return result;
  } finally {
    histogram.observe({ ...labels, outcome } as Partial<Record<L | 'outcome', string>>, (performance.now() - started) / 1000);
  }
}
