import type { Logger } from 'pino';
import { neverDue, type JobRecord, type StateStore } from '../adapters/state/state-store.ts';
import { isRetryable, OutsideError } from '../errors.ts';
import { redact } from '../logging/secrets.ts';

/** Runs one job; `signal` aborts when the job passes its time limit or the queue stops. */
export type JobHandler = (payload: unknown, job: JobRecord, signal: AbortSignal) => Promise<void>;

/** How one attempt of a job ended. */
export type JobOutcome = 'succeeded' | 'retrying' | 'gave-up' | 'aborted';

/** Told of every finished attempt (metrics); must not throw, and is ignored if it does. */
export interface JobObserver {
  attemptFinished(job: JobRecord, outcome: JobOutcome, seconds: number): void;
}

export interface JobQueueOptions {
  /** Delay before the n-th retry (1-based); exponential with jitter by default. */
  backoffMs?: (attempt: number) => number;
  /** After this many failed attempts a job is given up, with an error in the log. */
  maxAttempts?: number;
  /** How many jobs of different lanes run at once. */
  concurrency?: number;
  /** How long one attempt of a job may run before it is aborted (and retried). */
  jobTimeoutMs?: number;
  /** How long to wait before trying again when the state store itself fails (a full disk). */
  storeRetryMs?: number;
  /**
   * How long an aborted job's handler may take to wind down before its lane is given to the next job.
   * Waiting keeps one lane's jobs from ever writing at the same time; the limit keeps a handler that
   * ignores its signal from holding the lane forever.
   */
  abortGraceMs?: number;
  /**
   * The longest the queue sleeps without looking at the store: jobs another process made due (an
   * operator's `dockyard jobs retry`) start within this time. One minute by default.
   */
  pollMs?: number;
  observer?: JobObserver;
  now?: () => number;
}

/**
 * Why a job was stopped from outside (the queue stops, or a newer job makes it pointless). Not the job's
 * failure: it runs again at once (after a restart, for a stopping queue) and no attempt is counted.
 */
export class JobAbortedError extends OutsideError {
  override name = 'JobAbortedError';
}

const defaultBackoff = (attempt: number) => Math.min(60 * 60_000, 30_000 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);

/**
 * Runs recorded jobs from the state store. A webhook records its job and returns; the queue runs
 * it, retries outside failures with backoff, and after a restart resumes what was pending. Keys make
 * enqueuing idempotent: a redelivered webhook adds no second job. Jobs of one lane (a repository)
 * run one at a time, in order; different lanes run side by side up to `concurrency`, so one
 * repository's stuck build never holds up another's. Each attempt has a time limit.
 */
export class JobQueue {
  readonly #store: StateStore;
  readonly #handlers: Record<string, JobHandler>;
  readonly #log: Logger;
  readonly #backoff: (attempt: number) => number;
  readonly #maxAttempts: number;
  readonly #concurrency: number;
  readonly #jobTimeoutMs: number;
  readonly #storeRetryMs: number;
  readonly #abortGraceMs: number;
  readonly #pollMs: number;
  readonly #observer: JobObserver | undefined;
  readonly #now: () => number;
  /** Running jobs by key, with the lane each holds. */
  readonly #active = new Map<string, { lane: string; done: Promise<void>; abort: AbortController }>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** After the store fails, nothing starts before this time: a failing disk must not spin the queue. */
  #pausedUntil = 0;

  constructor(store: StateStore, handlers: Record<string, JobHandler>, log: Logger, options: JobQueueOptions = {}) {
    this.#store = store;
    this.#handlers = { ...handlers };
    this.#log = log;
    this.#backoff = options.backoffMs ?? defaultBackoff;
    this.#maxAttempts = options.maxAttempts ?? 12;
    this.#concurrency = options.concurrency ?? 2;
    this.#jobTimeoutMs = options.jobTimeoutMs ?? 60 * 60_000;
    this.#storeRetryMs = options.storeRetryMs ?? 30_000;
    this.#abortGraceMs = options.abortGraceMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 60_000;
    this.#observer = options.observer;
    this.#now = options.now ?? Date.now;
  }

  /** Adds the handler of a job kind; jobs of that kind recorded earlier (before a restart) run once it is there. */
  register(kind: string, handler: JobHandler): void {
    this.#handlers[kind] = handler;
    this.kick();
  }

  /** True when a failure of this attempt of `job` is the last: the queue will not retry it. */
  isLastAttempt(job: Pick<JobRecord, 'attempts'>): boolean {
    return job.attempts + 1 >= this.#maxAttempts;
  }

  /**
   * Aborts the running jobs whose lane is `lane` (or starts with it, when `lane` ends in `*`), except
   * `exceptKey`, with `reason`. Each runs again at once, without counting an attempt, once its handler
   * has wound down: it finds out itself why it was stopped. Returns the keys aborted.
   */
  abort(lane: string, reason: string, exceptKey?: string): string[] {
    const matches = lane.endsWith('*') ? (candidate: string) => candidate.startsWith(lane.slice(0, -1)) : (candidate: string) => candidate === lane;
    const aborted: string[] = [];
    for (const [key, entry] of this.#active) {
      if (key === exceptKey || !matches(entry.lane) || entry.abort.signal.aborted) continue;
      entry.abort.abort(new JobAbortedError('dockyard', reason));
      aborted.push(key);
    }
    return aborted;
  }

  /** Records a job (once per key) in its lane and starts working; returns whether it was new. */
  enqueue(kind: string, key: string, payload: unknown, lane = key): boolean {
    const added = this.#store.enqueue({ key, kind, payload, lane });
    this.kick();
    return added;
  }

  /**
   * Makes a recorded job due now with a fresh count of attempts (one given up, waiting to retry or
   * done) and starts working; false when no job has this key.
   */
  retry(key: string): boolean {
    const found = this.#store.resetJob(key, this.#now());
    this.kick();
    return found;
  }

  /** Starts every due job that a free slot and a free lane allow. Never throws. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#now() < this.#pausedUntil) {
      this.#wakeIn(this.#pausedUntil - this.#now());
      return;
    }
    let due: JobRecord[];
    try {
      due = this.#store.dueJobs(this.#now());
    } catch (error) {
      this.#log.error({ error: describe(error), retryInMs: this.#storeRetryMs }, 'state store failed while looking for jobs; will try again');
      this.#pauseForStore();
      return;
    }
    const busy = new Set([...this.#active.values()].map((entry) => entry.lane));
    for (const job of due) {
      if (this.#active.size >= this.#concurrency) break;
      if (busy.has(job.lane) || this.#active.has(job.key)) continue;
      busy.add(job.lane);
      this.#start(job);
    }
    this.#schedule();
  }

  /** Resolves when nothing runs and nothing is due now: tests and shutdown wait on it. */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.#active.values()].map((entry) => entry.done);
      if (running.length > 0) {
        await Promise.all(running);
        continue;
      }
      let due = 0;
      try {
        due = this.#store.dueJobs(this.#now()).length;
      } catch {
        return;
      }
      if (due === 0 || this.#stopped) return;
      this.kick();
      if (this.#active.size === 0) return;
    }
  }

  /** Stops starting jobs and aborts the running ones (they are retried after a restart). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const entry of this.#active.values()) entry.abort.abort(new JobAbortedError('dockyard', 'Dockyard is stopping; the job resumes when it starts again.'));
  }

  #start(job: JobRecord): void {
    const abort = new AbortController();
    const timeout = setTimeout(
      () => abort.abort(new OutsideError('dockyard', `The job ran longer than its limit of ${Math.round(this.#jobTimeoutMs / 1000)} s and was cancelled.`)),
      this.#jobTimeoutMs,
    );
    timeout.unref();
    const done = this.#run(job, abort.signal).finally(() => {
      clearTimeout(timeout);
      this.#active.delete(job.key);
      this.kick();
    });
    this.#active.set(job.key, { lane: job.lane, done, abort });
  }

  async #run(job: JobRecord, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const handler = this.#handlers[job.kind];
    let outcome: { ok: true } | { ok: false; failure: unknown };
    if (!handler) {
      this.#log.error({ job: job.key, kind: job.kind }, 'no handler for job kind; dropping it');
      outcome = { ok: true };
    } else {
      const running = Promise.resolve().then(() => handler(job.payload, job, signal));
      try {
        await Promise.race([running, rejectOnAbort(signal)]);
        outcome = { ok: true };
      } catch (error) {
        outcome = { ok: false, failure: signal.aborted ? signal.reason : error };
      }
      // The lane stays taken until an aborted handler has stopped writing, or its grace is over.
      if (signal.aborted) await settleWithin(running, this.#abortGraceMs);
    }
    try {
      let ended: JobOutcome = 'succeeded';
      if (outcome.ok) this.#store.completeJob(job.key);
      else if (outcome.failure instanceof JobAbortedError) {
        this.#store.rescheduleJob(job.key, this.#now());
        ended = 'aborted';
      } else ended = this.#recordFailure(job, outcome.failure, signal.aborted);
      this.#tellObserver(job, ended, (performance.now() - started) / 1000);
    } catch (error) {
      // The store itself failed (a full disk, a locked database): the job stays pending and runs
      // again later; jobs are idempotent, so running one twice is safe, losing one is not.
      this.#log.error({ job: job.key, error: describe(error), retryInMs: this.#storeRetryMs }, 'state store failed while recording a job result; will try again');
      this.#pauseForStore();
    }
  }

  #tellObserver(job: JobRecord, outcome: JobOutcome, seconds: number): void {
    try {
      this.#observer?.attemptFinished(job, outcome, seconds);
    } catch (error) {
      this.#log.warn({ job: job.key, error: describe(error) }, 'job observer failed');
    }
  }

  #recordFailure(job: JobRecord, failure: unknown, timedOut: boolean): JobOutcome {
    const message = redact(describe(failure));
    const attempt = job.attempts + 1;
    if ((isRetryable(failure) || timedOut) && attempt < this.#maxAttempts) {
      const delay = this.#backoff(attempt);
      this.#log.warn({ job: job.key, lane: job.lane, attempt, retryInMs: Math.round(delay), error: message }, 'job failed; will retry');
      this.#store.retryJob(job.key, message, this.#now() + delay);
      return 'retrying';
    }
    this.#log.error({ job: job.key, lane: job.lane, attempt, error: message }, 'job failed; giving up');
    this.#store.retryJob(job.key, message, neverDue);
    return 'gave-up';
  }

  #schedule(): void {
    let next: number | undefined;
    try {
      next = this.#store.nextDue();
    } catch {
      this.#pauseForStore();
      return;
    }
    // Due jobs still waiting for a slot or their lane start when a running job ends.
    if (next !== undefined && next <= this.#now()) return;
    const wait = next === undefined || next >= neverDue ? this.#pollMs : next - this.#now();
    this.#wakeIn(Math.min(wait, this.#pollMs));
  }

  #pauseForStore(): void {
    this.#pausedUntil = this.#now() + this.#storeRetryMs;
    this.#wakeIn(this.#storeRetryMs);
  }

  #wakeIn(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.kick(), Math.max(0, ms));
    this.#timer.unref();
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Waits for `work` to settle, at most `ms`; never rejects. */
async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([work.then(noop, noop), late]);
  clearTimeout(timer);
}

function noop(): void {}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
