/** At most `count` writes start in any `windowMs` milliseconds. */
export interface WriteLimit {
  count: number;
  windowMs: number;
}

/**
 * GitHub.com's documented ceiling on content-generating requests: no more than 80 per minute and 500 per
 * hour (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits).
 * An installation token is its own client, so each installation has its own budget.
 */
export const githubComWriteLimits: readonly WriteLimit[] = [
  { count: 80, windowMs: 60_000 },
  { count: 500, windowMs: 3_600_000 },
];

/**
 * The write limits Dockyard keeps to: the operator's (`DOCKYARD_GITHUB_WRITE_LIMITS`), else GitHub.com's
 * documented ones, or none on GitHub Enterprise Server (`GHE_HOST`), where "rate limits are disabled by
 * default" (docs.github.com/enterprise-server@3.18/rest/using-the-rest-api/rate-limits-for-the-rest-api)
 * and the site administrator's limits, when set, are the ones to give. Either way, a rate-limit answer
 * is waited out and the request retried.
 */
export function writeLimitsFor(env: { DOCKYARD_GITHUB_WRITE_LIMITS?: readonly WriteLimit[] | undefined; GHE_HOST?: string | undefined }): readonly WriteLimit[] {
  return env.DOCKYARD_GITHUB_WRITE_LIMITS ?? (env.GHE_HOST ? [] : githubComWriteLimits);
}

interface Waiting {
  start: () => void;
}

interface Lane {
  /** Writes started and not answered yet: each counts in every window until it is. */
  inFlight: number;
  /** When the latest answered writes were answered, oldest first: at most as many as the largest limit counts. */
  ends: number[];
  first: Waiting[];
  normal: Waiting[];
  pausedUntil: number;
  timer?: NodeJS.Timeout | undefined;
}

/**
 * Paces GitHub writes per installation so a burst stays inside the limits GitHub documents instead of
 * running into them: a write starts at once while its installation's recent writes leave room, and waits
 * for the oldest to leave the window otherwise. Writes marked `first` (making a check run, which is what
 * shows a pull request that Dockyard has its change) go ahead of the others waiting. After GitHub answers
 * with a secondary rate limit, `pause` holds the installation's writes until the time it gave.
 *
 * Probot's throttle instead starts one write per second and one notifying write (a comment) per three
 * seconds per installation whatever the budget, so 200 pull requests opened together waited minutes for
 * their check runs.
 */
export class WritePacer {
  readonly #limits: readonly WriteLimit[];
  readonly #keep: number;
  readonly #lanes = new Map<string, Lane>();
  readonly #now: () => number;

  constructor(limits: readonly WriteLimit[], now: () => number = Date.now) {
    this.#limits = limits;
    this.#keep = Math.max(0, ...limits.map((limit) => limit.count));
    this.#now = now;
  }

  /** Writes waiting for room, across installations (for /metrics). */
  waiting(): number {
    let count = 0;
    for (const lane of this.#lanes.values()) count += lane.first.length + lane.normal.length;
    return count;
  }

  /** Runs `write` once `key`'s limits leave room for it. */
  schedule<T>(key: string, first: boolean, write: () => Promise<T>): Promise<T> {
    const lane = this.#lane(key);
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        lane.inFlight++;
        write()
          .finally(() => this.#answered(key, lane))
          .then(resolve, reject);
      };
      (first ? lane.first : lane.normal).push({ start });
      this.#drain(key, lane);
    });
  }

  /** Holds `key`'s writes for `ms` (GitHub's `retry-after` for a secondary rate limit). */
  pause(key: string, ms: number): void {
    const lane = this.#lane(key);
    lane.pausedUntil = Math.max(lane.pausedUntil, this.#now() + ms);
  }

  #lane(key: string): Lane {
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { inFlight: 0, ends: [], first: [], normal: [], pausedUntil: 0 };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  /**
   * When the next write of `lane` may start: now, when the pause ends, or when the fullest window has room;
   * never while as many writes as a limit allows are still unanswered. A write counts in a window from
   * its start until a window's length after its answer: GitHub saw it somewhere in between, so however
   * long the request took on the way (the first write of an installation waits for its token), GitHub
   * never sees more than a limit's count in any window.
   */
  #nextStart(lane: Lane, now: number): number {
    let at = Math.max(now, lane.pausedUntil);
    for (const { count, windowMs } of this.#limits) {
      const room = count - lane.inFlight;
      if (room <= 0) return Infinity;
      // The room-th latest answer is the one that must leave the window before another write may start.
      const bound = lane.ends[lane.ends.length - room];
      if (bound !== undefined) at = Math.max(at, bound + windowMs);
    }
    return at;
  }

  #answered(key: string, lane: Lane): void {
    lane.inFlight--;
    if (this.#keep > 0) {
      const now = this.#now();
      let index = lane.ends.length;
      while (index > 0 && (lane.ends[index - 1] ?? 0) > now) index--;
      lane.ends.splice(index, 0, now);
      if (lane.ends.length > this.#keep) lane.ends.shift();
    }
    this.#drain(key, lane);
  }

  #drain(key: string, lane: Lane): void {
    if (lane.timer) return;
    for (;;) {
      const next = lane.first[0] ?? lane.normal[0];
      if (!next) break;
      const now = this.#now();
      const at = this.#nextStart(lane, now);
      // Until an unanswered write is answered (which drains again), or the time comes.
      if (at === Infinity) return;
      if (at > now) {
        lane.timer = setTimeout(() => {
          lane.timer = undefined;
          this.#drain(key, lane);
        }, at - now);
        return;
      }
      (lane.first.length > 0 ? lane.first : lane.normal).shift();
      next.start();
    }
    // An idle installation whose windows and pause have passed holds nothing worth keeping.
    const now = this.#now();
    if (lane.inFlight === 0 && lane.pausedUntil <= now && this.#limits.every(({ windowMs }) => (lane.ends.at(-1) ?? -Infinity) + windowMs <= now)) {
      this.#lanes.delete(key);
    }
  }
}
