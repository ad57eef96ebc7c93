import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { StateStore } from '../../../src/adapters/state/state-store.ts';

const day = 24 * 3600_000;
const job = (key: string) => ({ key, kind: 'pr-check', lane: 'acme/agents#1', payload: { key } });

describe('finished jobs are forgotten after 30 days', () => {
  it('forgets jobs done more than 30 days ago, and keeps recent, waiting and given-up ones whatever their age', () => {
    const store = new StateStore(':memory:');
    const start = Date.UTC(2026, 0, 1);
    for (const key of ['old-done', 'recent-done', 'old-waiting', 'old-gave-up']) store.enqueue(job(key));
    store.completeJob('old-done', start);
    store.retryJob('old-waiting', 'ECR unreachable', start + 1000);
    store.retryJob('old-gave-up', 'refused', Number.MAX_SAFE_INTEGER);
    store.completeJob('recent-done', start + 20 * day);

    store.enqueue(job('today'));
    store.completeJob('today', start + 31 * day);

    expect(store.jobs().map((entry) => [entry.key, entry.state])).toEqual([
      ['recent-done', 'done'],
      ['old-waiting', 'retrying'],
      ['old-gave-up', 'gave-up'],
      ['today', 'done'],
    ]);
    // Forgotten, its key records the same work again: a check of that head later runs anew.
    expect(store.enqueue(job('old-done'))).toBe(true);
  });

  it('looks at most once an hour', () => {
    const store = new StateStore(':memory:');
    const start = Date.UTC(2026, 0, 1);
    const done = (key: string, at: number) => {
      store.enqueue(job(key));
      store.completeJob(key, at);
    };
    done('z', start - 30 * day + 10 * 60_000);
    done('x', start);
    expect(store.job('z')?.state).toBe('done');

    // Half an hour on, `z` is past 30 days, but nobody looks until the hour is up.
    done('y', start + 30 * 60_000);
    expect(store.job('z')?.state).toBe('done');
    done('w', start + 61 * 60_000);
    expect(store.job('z')).toBeUndefined();
    expect(store.jobs().map((entry) => entry.key)).toEqual(['x', 'y', 'w']);
  });

  it('keeps a retried job that is done again for 30 days from then', () => {
    const store = new StateStore(':memory:');
    const start = Date.UTC(2026, 0, 1);
    store.enqueue(job('publish'));
    store.completeJob('publish', start);
    store.resetJob('publish', start + 29 * day);
    expect(store.job('publish')?.state).toBe('pending');
    store.enqueue(job('other'));
    store.completeJob('other', start + 40 * day);
    expect(store.job('publish')?.state).toBe('pending');
  });

  it('opens a state file from before jobs were forgotten and keeps its done jobs, which have no time', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'dockyard-state-')), 'state.db');
    const old = new DatabaseSync(file);
    old.exec('CREATE TABLE jobs (key TEXT PRIMARY KEY, kind TEXT, payload TEXT, attempts INTEGER, next_run_at INTEGER, last_error TEXT, done INTEGER DEFAULT 0, lane TEXT)');
    old.exec(`INSERT INTO jobs VALUES ('legacy', 'publish', '{}', 1, 0, NULL, 1, 'acme/agents')`);
    old.close();

    const store = new StateStore(file);
    store.enqueue(job('new'));
    store.completeJob('new', Date.now() + 365 * day);
    expect(store.job('legacy')?.state).toBe('done');
    store.close();
  });
});
