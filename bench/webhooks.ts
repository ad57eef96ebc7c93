// Webhook intake under load: 200 signed pull_request deliveries in under 10 s at the app running as a
// process against the fake GitHub of the end-to-end tests. Prints p50/p95/p99 of the time to answer and of
// the time until the check run appears at the fake GitHub, the app's resident memory, and each figure's
// ratio to its target (answer p99 < 100 ms, check run visible p95 < 1 s). Exit code 1 when a target fails.
//
//   node bench/webhooks.ts [--deliveries 200] [--seconds 8] [--write-limit 80/min]
//
// --write-limit gives the fake GitHub a secondary limit on writes, as GitHub.com has, and tells the app
// (DOCKYARD_GITHUB_WRITE_LIMITS): the check-run target then reads how a burst fares within that budget.
//
// Needs what the end-to-end tests need: dockerd, the registry, Trivy's fixture DB and moto (scripts/ci).
import { parseArgs } from 'node:util';
import { writeLimitsFor } from '../src/adapters/github/write-pacing.ts';
import { readAppEnv } from '../src/config/app-env.ts';
import { openPull, pushToDefault } from '../test/e2e/fake-github/pull-requests.ts';
import type { FakePull } from '../test/e2e/fake-github/fake-github.ts';
import { dockyardConfig, rootDockerfile, startE2e } from '../test/e2e/harness.ts';
import { pullRequestEvent } from '../test/e2e/payloads.ts';
import type { DeliveryAnswer } from '../test/e2e/deliver.ts';

const { values } = parseArgs({ options: { deliveries: { type: 'string', default: '200' }, seconds: { type: 'string', default: '8' }, 'write-limit': { type: 'string' } } });
const writeLimit = values['write-limit'] === undefined ? undefined : readAppEnv({ DOCKYARD_GITHUB_WRITE_LIMITS: values['write-limit'] }).DOCKYARD_GITHUB_WRITE_LIMITS?.[0];
const count = Number(values.deliveries);
const spreadMs = Number(values.seconds) * 1000;
const targets = { answerP99Ms: 100, visibleP95Ms: 1000 };
/** How long after the first delivery the bench watches for check runs. */
const windowMs = Number(process.env['DOCKYARD_BENCH_WINDOW_MS'] ?? 60_000);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(label: string, samples: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const figures = { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
  console.log(`${label.padEnd(28)} n=${String(samples.length).padStart(3)}  p50 ${figures.p50.toFixed(1).padStart(8)} ms  p95 ${figures.p95.toFixed(1).padStart(8)} ms  p99 ${figures.p99.toFixed(1).padStart(8)} ms`);
  return figures;
}

const e2e = await startE2e(values['write-limit'] === undefined ? {} : { env: { DOCKYARD_GITHUB_WRITE_LIMITS: values['write-limit'] } });
e2e.github.secondaryLimit = writeLimit;
let failed = false;
try {
  const { github, repo, app } = e2e;
  await pushToDefault(repo, { '.github/dockyard.yml': dockyardConfig(e2e), 'images/base/Dockerfile': rootDockerfile(e2e, 'base') });
  // Pull requests from forks: each check reads the policy, the catalog and lints, and waits for approval
  // instead of building, so the bench measures intake and checks, not 200 image builds on two cores.
  const pulls: FakePull[] = [];
  for (let i = 0; i < count; i++) pulls.push(await openPull(repo, { [`images/bench-${i}/Dockerfile`]: rootDockerfile(e2e, `bench ${i}`) }, { fork: true }));
  const payloads = await Promise.all(pulls.map((pull) => pullRequestEvent(github, repo, pull, 'opened')));
  const rssBefore = app.residentKiB();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, app.residentKiB())), 100);

  const sentAt = new Map<string, number>();
  const started = Date.now();
  const answers = await Promise.all(
    payloads.map(async (payload, i): Promise<DeliveryAnswer> => {
      await new Promise((resolve) => setTimeout(resolve, (i * spreadMs) / count));
      sentAt.set(pulls[i]?.headSha ?? '', Date.now());
      return e2e.send('pull_request', payload);
    }),
  );
  const firedInMs = Date.now() - started;
  const visibleAt = (sha: string) => {
    const created = github.requests.find((request) => request.method === 'POST' && request.path.endsWith('/check-runs') && (request.body as { head_sha?: string } | undefined)?.head_sha === sha && request.status === 201);
    return created ? github.started + created.at : undefined;
  };
  // Bounded: what has not shown within the window counts as missing (and fails the target).
  await github.waitFor(() => pulls.every((pull) => visibleAt(pull.headSha) !== undefined), 'a check run for every pull request', Math.max(0, windowMs - (Date.now() - started))).catch(() => undefined);
  const visibleMs = pulls.flatMap((pull) => {
    const at = visibleAt(pull.headSha);
    const sent = sentAt.get(pull.headSha);
    return at !== undefined && sent !== undefined ? [at - sent] : [];
  });
  const doneMs = pulls.flatMap((pull) => {
    const run = repo.checkRuns.find((candidate) => candidate.headSha === pull.headSha && candidate.status === 'completed');
    const sent = sentAt.get(pull.headSha);
    return run?.completedAt && sent !== undefined ? [Date.parse(run.completedAt) - sent] : [];
  });
  const writes = github.requests.filter((request) => request.method !== 'GET' && !request.path.includes('/access_tokens') && request.at >= started - github.started);
  const writeSpan = writes.length > 1 ? ((writes.at(-1)?.at ?? 0) - (writes[0]?.at ?? 0)) / 1000 : 0;
  const limits = writeLimitsFor(readAppEnv(app.env));
  console.log(
    `GitHub write limits the app keeps: ${limits.length === 0 ? 'none (GHE_HOST set: rate limits are off by default on GitHub Enterprise Server)' : limits.map((limit) => `${limit.count} per ${limit.windowMs / 1000} s`).join(', ')}`,
  );
  console.log(`GitHub writes in the window: ${writes.length} (${writeSpan > 0 ? (writes.length / writeSpan).toFixed(2) : '—'} per second), ${github.limited.length} answered with a secondary limit`);
  clearInterval(sampler);
  const rssAfter = app.residentKiB();

  const statuses = answers.reduce<Record<number, number>>((all, answer) => ({ ...all, [answer.status]: (all[answer.status] ?? 0) + 1 }), {});
  console.log(`fired ${count} signed pull_request deliveries in ${(firedInMs / 1000).toFixed(2)} s; answers by status: ${JSON.stringify(statuses)}`);
  const answer = summary('time to answer', answers.map((entry) => entry.ms));
  const visible = summary('check run visible', visibleMs);
  summary('check run completed', doneMs);
  console.log(`within ${windowMs / 1000} s of the first delivery: ${visibleMs.length} of ${count} check runs visible, ${doneMs.length} completed`);
  console.log(`app resident memory (VmRSS): ${(rssBefore / 1024).toFixed(0)} MiB before, ${(rssPeak / 1024).toFixed(0)} MiB peak, ${(rssAfter / 1024).toFixed(0)} MiB after`);
  const checks: [string, number, number, boolean][] = [
    ['answer p99 / 100 ms', answer.p99, targets.answerP99Ms, answer.p99 < targets.answerP99Ms],
    ['check run visible p95 / 1 s', visible.p95, targets.visibleP95Ms, visible.p95 < targets.visibleP95Ms && visibleMs.length === count],
    ['fired within 10 s', firedInMs, 10_000, firedInMs < 10_000],
    ['every delivery answered 2xx', answers.filter((entry) => entry.status < 300).length, count, answers.every((entry) => entry.status < 300)],
  ];
  for (const [name, value, target, ok] of checks) {
    console.log(`${ok ? 'PASS' : 'FAIL'}  ${name.padEnd(30)} ${value.toFixed(1)} / ${target} = ${(value / target).toFixed(2)}`);
    failed ||= !ok;
  }
  if (github.unknown.length > 0) {
    console.log(`FAIL  requests the fake GitHub does not model: ${[...new Set(github.unknown)].slice(0, 5).join(', ')}`);
    failed = true;
  }
} finally {
  await e2e.close();
}
process.exitCode = failed ? 1 : 0;
