import type { Logger } from 'pino';
import type { JobRecord, StateStore } from '../adapters/state/state-store.ts';
import { isRetryable } from '../errors.ts';
import { redact } from '../logging/secrets.ts';

export type JobHandler = (payload: unknown, job: JobRecord) => Promise<void>;

export interface JobQueueOptions {
  /** Delay before the n-th retry (1-based); exponential with jitter by default. */
  backoffMs?: (attempt: number) => number;
  /** After this many failed attempts a job is given up, with an error in the log. */
  maxAttempts?: number;
  now?: () => number;
}

const defaultBackoff = (attempt: number) => Math.min(60 * 60_000, 30_000 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);

/**
 * Runs recorded jobs one at a time from the state store. A webhook records its job and returns;
 * the queue runs it, retries outside failures with backoff, and after a restart resumes what was
 * pending. Keys make enqueuing idempotent: a redelivered webhook adds no second job.
 */
export class JobQueue {
  readonly #store: StateStore;
  readonly #handlers: Record<string, JobHandler>;
  readonly #log: Logger;
  readonly #backoff: (attempt: number) => number;
  readonly #maxAttempts: number;
  readonly #now: () => number;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: StateStore, handlers: Record<string, JobHandler>, log: Logger, options: JobQueueOptions = {}) {
    this.#store = store;
    this.#handlers = handlers;
    this.#log = log;
    this.#backoff = options.backoffMs ?? defaultBackoff;
    this.#maxAttempts = options.maxAttempts ?? 12;
    this.#now = options.now ?? Date.now;
  }

  /** Records a job (once per key) and starts working; returns whether it was new. */
  enqueue(kind: string, key: string, payload: unknown): boolean {
    const added = this.#store.enqueue({ key, kind, payload });
    this.kick();
    return added;
  }

  /** Starts a pass over due jobs unless one is running. */
  kick(): void {
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
      this.#schedule();
    });
  }

  /** Resolves when no pass is running: tests and shutdown wait on it. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #drain(): Promise<void> {
    for (let due = this.#store.dueJobs(this.#now()); due.length > 0; due = this.#store.dueJobs(this.#now())) {
      for (const job of due) await this.#run(job);
    }
  }

  async #run(job: JobRecord): Promise<void> {
    const handler = this.#handlers[job.kind];
    if (!handler) {
      this.#log.error({ job: job.key, kind: job.kind }, 'no handler for job kind; dropping it');
      this.#store.completeJob(job.key);
      return;
    }
    try {
      await handler(job.payload, job);
      this.#store.completeJob(job.key);
    } catch (error) {
      const message = redact(error instanceof Error ? error.message : String(error));
      const attempt = job.attempts + 1;
      if (isRetryable(error) && attempt < this.#maxAttempts) {
        const delay = this.#backoff(attempt);
        this.#log.warn({ job: job.key, attempt, retryInMs: Math.round(delay), error: message }, 'job failed; will retry');
        this.#store.retryJob(job.key, message, this.#now() + delay);
      } else {
        this.#log.error({ job: job.key, attempt, error: message }, 'job failed; giving up');
        this.#store.retryJob(job.key, message, Number.MAX_SAFE_INTEGER);
      }
    }
  }

  #schedule(): void {
    const next = this.#store.nextDue();
    if (next === undefined || next === Number.MAX_SAFE_INTEGER) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.kick(), Math.max(0, next - this.#now()));
    this.#timer.unref();
  }
}
