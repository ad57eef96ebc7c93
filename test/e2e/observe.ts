import { expect } from 'vitest';
import type { FakeCheckRun, FakeComment } from './fake-github/fake-github.ts';
import type { E2e } from './harness.ts';

/** How long a check with builds may take on this machine (2 cores, a few tiny images). */
export const checkTimeoutMs = 180_000;

/** The completed check run `name` on `sha`, once there is one. */
export function completedRun(e2e: E2e, sha: string, name = 'Dockyard', timeoutMs = checkTimeoutMs): Promise<FakeCheckRun> {
  return e2e.github.waitFor(
    () => e2e.repo.checkRuns.find((run) => run.name === name && run.headSha === sha && run.status === 'completed'),
    `a completed "${name}" check run on ${sha.slice(0, 7)}`,
    timeoutMs,
  );
}

export function runsOn(e2e: E2e, sha: string, name = 'Dockyard'): FakeCheckRun[] {
  return e2e.repo.checkRuns.filter((run) => run.name === name && run.headSha === sha);
}

/** The comments the App wrote on an issue or pull request. */
export function botComments(e2e: E2e, issue: number): FakeComment[] {
  return e2e.repo.comments.filter((comment) => comment.issue === issue && comment.user.type === 'Bot');
}

/** Annotations of a run, as `path:line rule`. */
export function annotationKeys(run: FakeCheckRun): string[] {
  return run.annotations.map((annotation) => {
    const { path, start_line: line, title } = annotation as { path: string; start_line: number; title: string };
    return `${path}:${line} ${title.split(' ')[0]}`;
  });
}

/**
 * What every scenario ends with: the app asked the fake GitHub for nothing it does not model, always with
 * valid credentials, and no secret it holds appears in anything it wrote to GitHub or to its log.
 */
export function expectCleanRun(e2e: E2e): void {
  expect(e2e.github.unknown).toEqual([]);
  expect(e2e.github.unauthorized).toEqual([]);
  const written = JSON.stringify({ runs: e2e.repo.checkRuns.map((run) => run.bodies), comments: e2e.repo.comments.map((comment) => comment.body) });
  const logged = e2e.app.lines.join('\n');
  for (const secret of e2e.secrets()) {
    expect(written.includes(secret), 'a secret in what the app wrote to GitHub').toBe(false);
    expect(logged.includes(secret), 'a secret in the app log').toBe(false);
  }
  const crashes = e2e.app.logs().filter((record) => (record.level ?? 0) >= 60);
  expect(crashes).toEqual([]);
}

/** Polls an asynchronous condition every 200 ms until it holds; throws after `timeoutMs`. */
export async function eventually(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
