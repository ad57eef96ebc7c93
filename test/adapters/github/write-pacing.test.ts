import { describe, expect, it } from 'vitest';
import { githubComWriteLimits, WritePacer, writeLimitsFor } from '../../../src/adapters/github/write-pacing.ts';
import { readAppEnv } from '../../../src/config/app-env.ts';

/** The limits the app keeps with `env`, read as the app reads its environment. */
const readWriteLimits = (env: NodeJS.ProcessEnv) => writeLimitsFor(readAppEnv(env));

/** Runs `count` writes through `pacer` for `key`, recording when each started. */
function burst(pacer: WritePacer, key: string, count: number, first = false): { starts: number[]; done: Promise<unknown> } {
  const starts: number[] = [];
  const done = Promise.all(
    Array.from({ length: count }, () =>
      pacer.schedule(key, first, async () => {
        starts.push(Date.now());
      }),
    ),
  );
  return { starts, done };
}

/** The most starts that fell in any window of `windowMs`. */
function busiestWindow(starts: readonly number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) most = Math.max(most, sorted.filter((at) => at >= (sorted[i] ?? 0) && at < (sorted[i] ?? 0) + windowMs).length);
  return most;
}

describe('WritePacer', () => {
  it('starts writes at once while the window has room and never lets a window hold more than its count', async () => {
    const pacer = new WritePacer([{ count: 5, windowMs: 300 }]);
    const began = Date.now();
    const { starts, done } = burst(pacer, 'installation 1', 12);
    await done;

    const offsets = starts.map((at) => at - began);
    expect(offsets.filter((ms) => ms < 100)).toHaveLength(5);
    expect(offsets.filter((ms) => ms >= 290 && ms < 400)).toHaveLength(5);
    expect(offsets.filter((ms) => ms >= 590)).toHaveLength(2);
    expect(busiestWindow(starts, 300)).toBe(5);
  });

  it('keeps every limit: a short window inside a longer one', async () => {
    const pacer = new WritePacer([
      { count: 4, windowMs: 100 },
      { count: 6, windowMs: 500 },
    ]);
    const began = Date.now();
    const { starts, done } = burst(pacer, 'installation 1', 8);
    await done;

    expect(busiestWindow(starts, 100)).toBeLessThanOrEqual(4);
    expect(busiestWindow(starts, 500)).toBeLessThanOrEqual(6);
    // The 7th waits for the long window, not the short one.
    expect((starts[6] ?? 0) - began).toBeGreaterThanOrEqual(490);
  });

  it('gives each installation its own budget', async () => {
    const pacer = new WritePacer([{ count: 2, windowMs: 1000 }]);
    const began = Date.now();
    const a = burst(pacer, 'installation 1', 4);
    const b = burst(pacer, 'installation 2', 2);
    await b.done;

    expect(b.starts.map((at) => at - began).every((ms) => ms < 100)).toBe(true);
    expect(a.starts).toHaveLength(2);
    await a.done;
    expect(a.starts).toHaveLength(4);
  });

  it('starts a check run before writes that were waiting longer', async () => {
    const pacer = new WritePacer([{ count: 1, windowMs: 150 }]);
    const order: string[] = [];
    const write = (name: string, first = false) =>
      pacer.schedule('installation 1', first, async () => {
        order.push(name);
      });
    await Promise.all([write('update 1'), write('update 2'), write('update 3'), write('check run', true)]);

    expect(order).toEqual(['update 1', 'check run', 'update 2', 'update 3']);
  });

  it('holds an installation after a secondary limit, and only that installation', async () => {
    const pacer = new WritePacer([]);
    pacer.pause('installation 1', 400);
    const began = Date.now();
    const held = burst(pacer, 'installation 1', 2);
    const free = burst(pacer, 'installation 2', 2);
    await free.done;
    expect(held.starts).toEqual([]);
    await held.done;

    expect(Math.min(...free.starts) - began).toBeLessThan(100);
    expect(Math.min(...held.starts) - began).toBeGreaterThanOrEqual(390);
  });

  it('passes a failed write on to its caller and goes on with the others', async () => {
    const pacer = new WritePacer([{ count: 1, windowMs: 50 }]);
    const failing = pacer.schedule('installation 1', false, () => Promise.reject(new Error('422 Unprocessable')));
    const next = pacer.schedule('installation 1', false, async () => 'made');

    await expect(failing).rejects.toThrow('422 Unprocessable');
    await expect(next).resolves.toBe('made');
    expect(pacer.waiting()).toBe(0);
  });

  it('without limits, starts every write at once', async () => {
    const pacer = new WritePacer([]);
    const began = Date.now();
    const { starts, done } = burst(pacer, 'installation 1', 200);
    await done;

    expect(starts).toHaveLength(200);
    expect(Math.max(...starts) - began).toBeLessThan(100);
  });
});

describe('DOCKYARD_GITHUB_WRITE_LIMITS', () => {
  it("keeps GitHub.com's documented limits unless told otherwise", () => {
    expect(readWriteLimits({})).toEqual(githubComWriteLimits);
    expect(githubComWriteLimits).toEqual([
      { count: 80, windowMs: 60_000 },
      { count: 500, windowMs: 3_600_000 },
    ]);
  });

  it('keeps none on GitHub Enterprise Server, whose limits are off unless its administrator sets them', () => {
    expect(readWriteLimits({ GHE_HOST: 'github.example.com' })).toEqual([]);
    expect(readWriteLimits({ GHE_HOST: 'github.example.com', DOCKYARD_GITHUB_WRITE_LIMITS: '300/min' })).toEqual([{ count: 300, windowMs: 60_000 }]);
  });

  it('reads counts per second, minute and hour, and none', () => {
    expect(readWriteLimits({ DOCKYARD_GITHUB_WRITE_LIMITS: ' 10/s, 80/min ,500/h' })).toEqual([
      { count: 10, windowMs: 1000 },
      { count: 80, windowMs: 60_000 },
      { count: 500, windowMs: 3_600_000 },
    ]);
    expect(readWriteLimits({ DOCKYARD_GITHUB_WRITE_LIMITS: 'none' })).toEqual([]);
  });

  it.each(['80', '80/day', '80/sec', '0/min', '-1/min', '80/min;500/h', 'eighty/min'])('refuses %j, saying what to write', (value) => {
    expect(() => readWriteLimits({ DOCKYARD_GITHUB_WRITE_LIMITS: value })).toThrow(/^Invalid environment: DOCKYARD_GITHUB_WRITE_LIMITS: ".*" is not <count>\/<s\|min\|h> with a count above 0; write e\.g\. 80\/min,500\/h, or none to send writes unpaced$/);
  });
});
