/**
 * Plan benchmark: how long Dockyard takes to read, parse, graph, judge and plan a catalog, against
 * merely reading the same files, for synthetic catalogs of 100, 1,000 and 10,000 images.
 *
 *   node bench/plan.ts [--sizes=100,1000,10000] [--rounds=5] [--keep]
 *
 * For each size: generate the catalog in a temp dir (deterministic), then alternate (a) plain reads
 * and (b) Dockyard for one warm-up and `rounds` measured rounds in this process and report medians;
 * then run (b) once in a fresh `node --expose-gc bench/plan-worker.ts` for the memory figures.
 * Exits 1 when the plan is wrong, the catalog yields findings, or the 10,000-image targets
 * (under 1 s, under 300 MB peak RSS) are missed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { formatFindingText } from '../src/domain/report/format-finding.ts';
import { generateCatalog, type GeneratedCatalog } from './generate-catalog.ts';
import type { WorkerReport } from './plan-worker.ts';
import { readPlain, runDockyard, verify } from './run-dockyard.ts';

const targetSize = 10_000;
const targetMs = 1000;
const targetRssMB = 300;

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}
const sizes = (option('sizes') ?? '100,1000,10000').split(',').map((size) => Number(size.replaceAll('_', '')));
const rounds = Number(option('rounds') ?? 5);
const keep = process.argv.includes('--keep');
if (sizes.some((size) => !Number.isInteger(size) || size < 10) || !Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write('usage: node bench/plan.ts [--sizes=100,1000,10000] [--rounds=5] [--keep]\n');
  process.exit(2);
}

// A forced GC before every timed run keeps one run's garbage out of the next one's time.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

async function time<T>(run: () => Promise<T>): Promise<[number, T]> {
  gc();
  const start = performance.now();
  const result = await run();
  return [performance.now() - start, result];
}

const workerPath = fileURLToPath(new URL('./plan-worker.ts', import.meta.url));

async function measureMemory(repoRoot: string): Promise<WorkerReport> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', workerPath, repoRoot], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as WorkerReport;
}

interface Row {
  size: number;
  catalog: GeneratedCatalog;
  readMs: number;
  dockyardMs: number;
  dockyardReadMs: number;
  analyzeMs: number;
  memory: WorkerReport;
  levels: number;
}

const fmt = (value: number, digits = 1) => value.toFixed(digits);
/** The 1-minute load average: above the CPU count, other processes are competing and times are inflated. */
const loadAverage = () => `${fmt(os.loadavg()[0] ?? 0, 2)} on ${os.availableParallelism()} CPUs`;
const pad = (text: string, width: number) => text.padStart(width);

const tmp = await mkdtemp(path.join(os.tmpdir(), 'dockyard-bench-'));
let failed = false;
const rows: Row[] = [];
process.stdout.write(
  `Dockyard plan benchmark: node ${process.version}, ${os.platform()} ${os.arch()}, ${os.availableParallelism()} CPUs, ` +
    `median of ${rounds} alternating rounds after 1 warm-up; load average ${loadAverage()}\n`,
);
try {
  for (const size of sizes) {
    const repoRoot = path.join(tmp, `catalog-${size}`);
    const catalog = await generateCatalog(repoRoot, size);
    process.stdout.write(
      `  generated ${size} images in ${repoRoot}: ${catalog.roots} roots, depth ${catalog.maxDepth}, ` +
        `Dockerfiles ${catalog.lines.min}–${catalog.lines.max} lines (mean ${fmt(catalog.lines.mean)}), ` +
        `${fmt(catalog.totalBytes / 1024 / 1024, 2)} MB\n`,
    );
    const expected = catalog.images.map((image) => image.name);
    const plain: number[] = [];
    const dockyard: number[] = [];
    const dockyardRead: number[] = [];
    const analyze: number[] = [];
    let levels = 0;
    for (let round = 0; round <= rounds; round++) {
      const [readMs, bytes] = await time(() => readPlain(repoRoot));
      const [dockyardMs, run] = await time(() => runDockyard(repoRoot));
      if (bytes !== catalog.totalBytes) throw new Error(`read ${bytes} bytes, generated ${catalog.totalBytes}`);
      if (round === 0) {
        // Correctness, once per size: every image planned exactly once, and no findings.
        const verdict = verify(run, expected);
        levels = verdict.levels;
        if (verdict.levels !== catalog.maxDepth) {
          verdict.problems.push(`plan has ${verdict.levels} levels, the catalog is ${catalog.maxDepth} deep`);
        }
        if (verdict.problems.length > 0) {
          process.stdout.write(`FAIL: the plan for ${size} images is wrong:\n`);
          for (const problem of verdict.problems) process.stdout.write(`  - ${problem}\n`);
          for (const finding of verdict.findings.slice(0, 10)) process.stdout.write(`    ${formatFindingText(finding, true)}\n`);
          failed = true;
          break;
        }
        continue; // warm-up: not timed
      }
      plain.push(readMs);
      dockyard.push(dockyardMs);
      dockyardRead.push(run.readMs);
      analyze.push(run.analyzeMs);
    }
    if (failed) break;
    const memory = await measureMemory(repoRoot);
    if (memory.problems.length > 0 || memory.planned !== size) {
      process.stdout.write(`FAIL: the memory worker's plan for ${size} images is wrong: ${memory.problems.join('; ')}\n`);
      failed = true;
      break;
    }
    rows.push({
      size,
      catalog,
      readMs: median(plain),
      dockyardMs: median(dockyard),
      dockyardReadMs: median(dockyardRead),
      analyzeMs: median(analyze),
      memory,
      levels,
    });
  }
} finally {
  if (keep) process.stdout.write(`  kept the catalogs in ${tmp}\n`);
  else await rm(tmp, { recursive: true, force: true });
}

if (rows.length > 0) {
  const header = ['images', 'levels', 'read ms', 'dockyard ms', 'ratio', 'peak RSS MB', '| readLocalCatalog ms', 'analyze ms', 'cold ms', 'heap MB'];
  const widths = [7, 7, 9, 12, 7, 12, 22, 11, 9, 9];
  const line = (cells: string[]) => `${cells.map((cell, i) => pad(cell, widths[i] ?? 8)).join('')}\n`;
  process.stdout.write('\n');
  process.stdout.write(line(header));
  for (const row of rows) {
    process.stdout.write(
      line([
        row.size.toLocaleString('en-US'),
        String(row.levels),
        fmt(row.readMs),
        fmt(row.dockyardMs),
        `${fmt(row.dockyardMs / row.readMs)}x`,
        fmt(row.memory.maxRssMB),
        fmt(row.dockyardReadMs),
        fmt(row.analyzeMs),
        fmt(row.memory.ms),
        fmt(row.memory.heapUsedAfterGcMB),
      ]),
    );
  }
  process.stdout.write(
    [
      '',
      'read ms      (a) readdir + readFileSync of every Dockerfile and image.yml (median)',
      'dockyard ms  (b) parseConfig + readLocalCatalog + analyzeCatalog(folders, "all") (median); ratio = b / a',
      '| ...        medians of the two parts of (b)',
      'peak RSS MB, cold ms, heap MB: one run of (b) in a fresh process (bench/plan-worker.ts);',
      '             heap = heapUsed after a forced GC with the result still alive',
      `load average at the end: ${loadAverage()}`,
      '',
    ].join('\n'),
  );
}

const target = rows.find((row) => row.size === targetSize);
if (failed) {
  process.exitCode = 1;
} else if (target) {
  const timeOk = target.dockyardMs < targetMs;
  const memoryOk = target.memory.maxRssMB < targetRssMB;
  process.stdout.write(
    `${targetSize.toLocaleString('en-US')} images: dockyard ${fmt(target.dockyardMs)} ms (target < ${targetMs} ms) ${timeOk ? 'PASS' : 'FAIL'}; ` +
      `peak RSS ${fmt(target.memory.maxRssMB)} MB (target < ${targetRssMB} MB) ${memoryOk ? 'PASS' : 'FAIL'}\n`,
  );
  if (!timeOk || !memoryOk) process.exitCode = 1;
} else {
  process.stdout.write(`\nThe targets apply to ${targetSize.toLocaleString('en-US')} images, which this run did not include.\n`);
}
