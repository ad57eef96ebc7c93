import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { JobQueue, type JobHandler } from '../../src/jobs/job-queue.ts';
import { waitFor } from './job-fixtures.ts';

const silent = pino({ level: 'silent' });

/** A logger that keeps what was logged at warn and above, to assert on. */
function recordingLog() {
  const lines: { level: number; msg: string; error?: string }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('JobQueue lanes', () => {
  it('runs another repository\'s job while one repository\'s job hangs, and cancels the hung one at its limit', async () => {
    const store = new StateStore(':memory:');
    const events: string[] = [];
    const hang: JobHandler = (_payload, _job, signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => {
        events.push('a aborted');
        reject(signal.reason);
      }));
    const quick: JobHandler = async () => {
      events.push('b done');
    };
    const { log, lines } = recordingLog();
    const queue = new JobQueue(store, { hang, quick }, log, { jobTimeoutMs: 300, backoffMs: () => 60_000 });
    queue.enqueue('hang', 'publish:o/a:1', {}, 'o/a');
    queue.enqueue('quick', 'publish:o/b:1', {}, 'o/b');
    await waitFor(() => events.includes('b done'));
    expect(events).toEqual(['b done']);
    await queue.idle();
    expect(events).toEqual(['b done', 'a aborted']);
    const [job] = store.dueJobs(Number.MAX_SAFE_INTEGER - 1);
    expect(job?.key).toBe('publish:o/a:1');
    expect(job?.lastError).toBe('The job ran longer than its limit of 0 s and was cancelled.');
    expect(lines.find((line) => line.msg === 'job failed; will retry')?.error).toBe(job?.lastError);
    queue.stop();
  });

  it('runs the jobs of one lane one at a time, in the order they were recorded', async () => {
    const store = new StateStore(':memory:');
    const order: string[] = [];
    let running = 0;
    let overlap = false;
    const work: JobHandler = async (payload) => {
      running++;
      if (running > 1) overlap = true;
      order.push(`start ${String(payload)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push(`end ${String(payload)}`);
      running--;
    };
    const queue = new JobQueue(store, { work }, silent, { concurrency: 4 });
    queue.enqueue('work', 'k1', 'first', 'o/a');
    queue.enqueue('work', 'k2', 'second', 'o/a');
    queue.enqueue('work', 'k3', 'third', 'o/a');
    await queue.idle();
    expect(overlap).toBe(false);
    expect(order).toEqual(['start first', 'end first', 'start second', 'end second', 'start third', 'end third']);
  });

  it('runs at most `concurrency` lanes at once', async () => {
    const store = new StateStore(':memory:');
    let running = 0;
    let most = 0;
    const work: JobHandler = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
    };
    const queue = new JobQueue(store, { work }, silent, { concurrency: 2 });
    for (const lane of ['a', 'b', 'c', 'd']) queue.enqueue('work', `k-${lane}`, {}, lane);
    await queue.idle();
    expect(most).toBe(2);
    expect(store.dueJobs(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });
});

describe('JobQueue when the state store fails', () => {
  it('logs, keeps the job and tries again instead of crashing the process when the disk is full', async () => {
    const store = new StateStore(':memory:');
    const ran: string[] = [];
    const { log, lines } = recordingLog();
    const queue = new JobQueue(store, { work: async () => void ran.push('ran') }, log, { storeRetryMs: 30 });
    const diskFull = Object.assign(new Error('database or disk is full'), { code: 'ERR_SQLITE_ERROR', errcode: 13 });
    const dueJobs = store.dueJobs.bind(store);
    let failures = 2;
    store.dueJobs = (now: number) => {
      if (failures-- > 0) throw diskFull;
      return dueJobs(now);
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      store.enqueue({ key: 'k', kind: 'work', payload: {}, lane: 'o/a' });
      queue.kick();
      await waitFor(() => ran.length === 1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      queue.stop();
    }
    expect(unhandled).toEqual([]);
    expect(lines.filter((line) => line.msg === 'state store failed while looking for jobs; will try again')).toHaveLength(2);
  });

  it('keeps a job pending when its result cannot be recorded', async () => {
    const store = new StateStore(':memory:');
    const { log, lines } = recordingLog();
    let runs = 0;
    const queue = new JobQueue(store, { work: async () => void runs++ }, log, { storeRetryMs: 200 });
    const completeJob = store.completeJob.bind(store);
    let full = true;
    store.completeJob = (key: string) => {
      if (full) throw new Error('database or disk is full');
      completeJob(key);
    };
    queue.enqueue('work', 'k', {}, 'o/a');
    await waitFor(() => lines.some((line) => line.msg === 'state store failed while recording a job result; will try again'));
    // Paused, not spinning: the job waits for the store instead of running again at once.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toBe(1);
    expect(store.dueJobs(Date.now()).map((job) => job.key)).toEqual(['k']);
    full = false;
    await waitFor(() => store.dueJobs(Number.MAX_SAFE_INTEGER).length === 0);
    queue.stop();
    expect(runs).toBe(2);
  });
});

describe('StateStore jobs', () => {
  it('reads jobs recorded before lanes existed as lanes of their own', () => {
    const store = new StateStore(':memory:');
    store.enqueue({ key: 'old', kind: 'publish', payload: {}, lane: null as unknown as string });
    expect(store.dueJobs(0)[0]?.lane).toBe('old');
  });
});

describe('JobQueue.abort', () => {
  it('keeps the lane until the aborted handler has stopped, then runs that job again at once without counting an attempt', async () => {
    const store = new StateStore(':memory:');
    const events: string[] = [];
    let runs = 0;
    const slow: JobHandler = async (_payload, _job, signal) => {
      const run = ++runs;
      events.push(`start ${run}`);
      if (run > 1) return;
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      // Winding down takes a while; the next job of the lane must not start meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push(`stopped ${run}`);
      signal.throwIfAborted();
    };
    const next: JobHandler = async () => void events.push('next');
    const queue = new JobQueue(store, { slow, next }, silent, { backoffMs: () => 60_000 });
    queue.enqueue('slow', 'old', {}, 'o/r#1');
    await waitFor(() => events.includes('start 1'));
    queue.enqueue('next', 'new', {}, 'o/r#1');
    expect(queue.abort('o/r#*', 'superseded', 'new')).toEqual(['old']);
    await queue.idle();
    expect(events).toEqual(['start 1', 'stopped 1', 'start 2', 'next']);
    expect(store.job('old')).toMatchObject({ state: 'done', attempts: 0 });
  });
});
