import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/state/state-store.ts';
import { main } from '../../src/cli/main.ts';
import { JobQueue, type JobHandler } from '../../src/jobs/job-queue.ts';
import { captureOutput } from '../cli/capture-output.ts';
import { waitFor } from './job-fixtures.ts';

let dir: string;
let appStore: StateStore;
let queue: JobQueue;
let runs: string[];
let failNext: boolean;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dockyard-jobs-'));
  appStore = new StateStore(path.join(dir, 'dockyard.sqlite'));
  runs = [];
  failNext = true;
  const publish: JobHandler = async (_payload, job) => {
    runs.push(`${job.key}#${job.attempts}`);
    if (failNext) {
      failNext = false;
      throw new Error('registry refused the push: denied');
    }
  };
  queue = new JobQueue(appStore, { publish }, pino({ level: 'silent' }), { maxAttempts: 1, pollMs: 50 });
});

afterEach(async () => {
  queue.stop();
  appStore.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const streams = captureOutput();
  const code = await main(argv, streams.out, streams.err, { DOCKYARD_STATE_DIR: dir });
  return { code, out: streams.stdout(), err: streams.stderr() };
}

describe('jobs that gave up', () => {
  it('are listed, shown and retried by an operator from another process, and the running app picks the retry up on its own', async () => {
    queue.enqueue('publish', 'publish:o/r:abc', { owner: 'o', repo: 'r', after: 'abc' }, 'o/r');
    queue.enqueue('publish', 'publish:o/r:def', { owner: 'o', repo: 'r', after: 'def' }, 'o/r');
    await queue.idle();
    expect(runs).toEqual(['publish:o/r:abc#0', 'publish:o/r:def#0']);

    expect(await cli('jobs', 'list', '--failed')).toEqual({ code: 0, out: 'gave-up   publish     1  publish:o/r:abc  registry refused the push: denied\n', err: '' });
    expect((await cli('jobs', 'list')).out).toBe(['gave-up   publish     1  publish:o/r:abc  registry refused the push: denied', 'done      publish     0  publish:o/r:def', ''].join('\n'));
    const shown = await cli('jobs', 'show', 'publish:o/r:abc', '--json');
    expect(JSON.parse(shown.out)).toEqual({
      key: 'publish:o/r:abc',
      kind: 'publish',
      lane: 'o/r',
      state: 'gave-up',
      attempts: 1,
      nextRunAt: null,
      lastError: 'registry refused the push: denied',
      payload: { owner: 'o', repo: 'r', after: 'abc' },
    });

    expect(await cli('jobs', 'retry', 'publish:o/r:abc')).toEqual({
      code: 0,
      out: 'publish:o/r:abc (gave-up after 1 attempt) is due now; the running app starts it within a minute.\n',
      err: '',
    });
    // Nobody kicks the queue: its own periodic look at the store finds the job.
    await waitFor(() => runs.length === 3);
    expect(runs[2]).toBe('publish:o/r:abc#0');
    await waitFor(() => appStore.job('publish:o/r:abc')?.state === 'done');
    expect((await cli('jobs', 'list', '--failed')).out).toBe('No failed jobs.\n');
  });

  it('says what is wrong with a key or a state folder that does not exist', async () => {
    expect(await cli('jobs', 'retry', 'publish:o/r:nope')).toEqual({ code: 2, out: '', err: 'dockyard: There is no job "publish:o/r:nope"; `dockyard jobs list` lists them.\n' });
    const streams = captureOutput();
    expect(await main(['jobs', 'list'], streams.out, streams.err, { DOCKYARD_STATE_DIR: path.join(dir, 'elsewhere') })).toBe(2);
    expect(streams.stderr()).toBe(`dockyard: There is no Dockyard state at ${path.join(dir, 'elsewhere', 'dockyard.sqlite')}. Set DOCKYARD_STATE_DIR to the running app's.\n`);
  });

  it('retries through the queue at once, with a fresh count of attempts', async () => {
    queue.enqueue('publish', 'publish:o/r:abc', {}, 'o/r');
    await queue.idle();
    expect(appStore.job('publish:o/r:abc')).toMatchObject({ state: 'gave-up', attempts: 1 });

    expect(queue.retry('publish:o/r:abc')).toBe(true);
    await queue.idle();

    expect(runs).toEqual(['publish:o/r:abc#0', 'publish:o/r:abc#0']);
    expect(appStore.job('publish:o/r:abc')).toMatchObject({ state: 'done', attempts: 0 });
    expect(queue.retry('publish:o/r:unknown')).toBe(false);
  });
});
