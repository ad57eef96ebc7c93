/**
 * Runs Dockyard's read + parse + graph + plan once on a catalog and prints its memory use as JSON.
 * Started by bench/plan.ts in a fresh process per catalog size, so the figures are not polluted by
 * the generator or by earlier sizes:
 *
 *   node --expose-gc bench/plan-worker.ts <repo-root>
 *
 * maxRSS is the process's peak resident set (everything: V8 heap, buffers, code); heap figures are
 * taken after a forced GC while the analysis is still alive, i.e. what the result itself retains.
 */
import { runDockyard, verify } from './run-dockyard.ts';

export interface WorkerReport {
  ms: number;
  maxRssMB: number;
  rssAfterGcMB: number;
  heapUsedAfterGcMB: number;
  heapTotalMB: number;
  externalMB: number;
  arrayBuffersMB: number;
  images: number;
  planned: number;
  levels: number;
  findings: number;
  problems: string[];
}

const repoRoot = process.argv[2];
if (!repoRoot) {
  process.stderr.write('usage: node --expose-gc bench/plan-worker.ts <repo-root>\n');
  process.exit(2);
}
const gc = globalThis.gc;
if (!gc) {
  process.stderr.write('plan-worker: run with --expose-gc so memory is measured after a forced GC\n');
  process.exit(2);
}

const mb = (bytes: number) => bytes / (1024 * 1024);
const start = performance.now();
const run = await runDockyard(repoRoot);
const ms = performance.now() - start;
gc();
const memory = process.memoryUsage();
// resourceUsage().maxRSS is in kilobytes.
const maxRssMB = process.resourceUsage().maxRSS / 1024;
const verdict = verify(run);
const report: WorkerReport = {
  ms,
  maxRssMB,
  rssAfterGcMB: mb(memory.rss),
  heapUsedAfterGcMB: mb(memory.heapUsed),
  heapTotalMB: mb(memory.heapTotal),
  externalMB: mb(memory.external),
  arrayBuffersMB: mb(memory.arrayBuffers),
  images: verdict.images,
  planned: verdict.planned,
  levels: verdict.levels,
  findings: verdict.findings.length,
  problems: verdict.problems,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
