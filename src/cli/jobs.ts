import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { neverDue, StateStore, type JobSummary } from '../adapters/state/state-store.ts';
import { readAppEnv } from '../config/app-env.ts';
import { UserError } from '../errors.ts';
import type { OutputStream } from './terminal.ts';

/** How long a write waits while the running app writes: its writes are single statements. */
const busyTimeoutMs = 5_000;

/**
 * `dockyard jobs list|show|retry`: the app's durable job queue as operators on the app host see it, read
 * from the state in DOCKYARD_STATE_DIR. `retry` makes a job due now with a fresh count of attempts; the
 * running app starts it on its next look at the queue (within a minute).
 */
export function addJobsCommand(program: Command, io: { out: OutputStream; env: NodeJS.ProcessEnv }): void {
  const jobs = program.command('jobs').description("list, inspect and retry the app's jobs (on the app's host: reads DOCKYARD_STATE_DIR)");
  jobs
    .command('list')
    .description('list the recorded jobs, oldest first')
    .option('--failed', 'only jobs that failed and are not done: waiting to retry, or given up')
    .option('--json', 'print JSON')
    .action((options: { failed?: boolean; json?: boolean }) => {
      withStore(io.env, (store) => {
        const found = store.jobs({ failed: options.failed === true });
        if (options.json) io.out.write(`${JSON.stringify(found.map(jobJson), null, 2)}\n`);
        else io.out.write(found.length === 0 ? `No ${options.failed ? 'failed ' : ''}jobs.\n` : `${found.map(listLine).join('\n')}\n`);
      });
    });
  jobs
    .command('show <key>')
    .description('print one job: its state, attempts, last error and payload')
    .option('--json', 'print JSON')
    .action((key: string, options: { json?: boolean }) => {
      withStore(io.env, (store) => {
        const job = found(store, key);
        io.out.write(options.json ? `${JSON.stringify(jobJson(job), null, 2)}\n` : showText(job));
      });
    });
  jobs
    .command('retry <key>')
    .description('run a job again now with a fresh count of attempts (one given up, waiting to retry, or done)')
    .action((key: string) => {
      withStore(io.env, (store) => {
        const job = found(store, key);
        store.resetJob(key, Date.now());
        io.out.write(`${key} (${job.state} after ${job.attempts} attempt${job.attempts === 1 ? '' : 's'}) is due now; the running app starts it within a minute.\n`);
      });
    });
}

function withStore(env: NodeJS.ProcessEnv, use: (store: StateStore) => void): void {
  const file = path.join(readAppEnv(env).DOCKYARD_STATE_DIR, 'dockyard.sqlite');
  if (!existsSync(file)) throw new UserError(`There is no Dockyard state at ${file}. Set DOCKYARD_STATE_DIR to the running app's.`);
  const store = new StateStore(file, { busyTimeoutMs });
  try {
    use(store);
  } finally {
    store.close();
  }
}

function found(store: StateStore, key: string): JobSummary {
  const job = store.job(key);
  if (!job) throw new UserError(`There is no job ${JSON.stringify(key)}; \`dockyard jobs list\` lists them.`);
  return job;
}

function nextRun(job: JobSummary): string | null {
  if (job.state === 'done' || job.nextRunAt >= neverDue) return null;
  return new Date(job.nextRunAt).toISOString();
}

function jobJson(job: JobSummary): object {
  return { key: job.key, kind: job.kind, lane: job.lane, state: job.state, attempts: job.attempts, nextRunAt: nextRun(job), lastError: job.lastError ?? null, payload: job.payload };
}

function listLine(job: JobSummary): string {
  const error = job.lastError && job.state !== 'done' ? `  ${oneLine(job.lastError, 100)}` : '';
  return `${job.state.padEnd(8)}  ${job.kind.padEnd(9)}  ${String(job.attempts).padStart(2)}  ${job.key}${error}`;
}

function showText(job: JobSummary): string {
  const next = nextRun(job);
  return [
    `key:         ${job.key}`,
    `kind:        ${job.kind}`,
    `lane:        ${job.lane}`,
    `state:       ${job.state}${job.state === 'gave-up' ? ' (`dockyard jobs retry` runs it again)' : ''}`,
    `attempts:    ${job.attempts}`,
    `next run:    ${next ?? '—'}`,
    `last error:  ${job.lastError ?? '—'}`,
    'payload:',
    JSON.stringify(job.payload, null, 2).replace(/^/gm, '  '),
    '',
  ].join('\n');
}

function oneLine(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= length ? line : `${line.slice(0, length - 1)}…`;
}
