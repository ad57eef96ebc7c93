/**
 * What the plan benchmark times, shared by bench/plan.ts and bench/plan-worker.ts:
 * (a) merely reading the catalog's files, (b) Dockyard reading, parsing, graphing, judging and planning.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readLocalCatalog } from '../src/adapters/local/read-local-catalog.ts';
import { parseConfig } from '../src/config/parse-config.ts';
import { configPath } from '../src/config/schema.ts';
import { analyzeCatalog, type CatalogAnalysis } from '../src/domain/check/analyze-catalog.ts';
import type { ImageFolder } from '../src/domain/catalog/types.ts';
import type { Finding } from '../src/domain/findings.ts';

/**
 * (a) The reference: list the catalog folder and read the same files readLocalCatalog reads (each
 * folder's Dockerfile and image.yml) the fastest plain way, one synchronous read after another.
 * Returns the bytes read.
 */
export async function readPlain(repoRoot: string, catalogRoot = 'images'): Promise<number> {
  const root = path.join(repoRoot, catalogRoot);
  const entries = await readdir(root, { withFileTypes: true });
  let bytes = 0;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    bytes += readFileSync(path.join(root, entry.name, 'Dockerfile')).byteLength;
    bytes += readFileSync(path.join(root, entry.name, 'image.yml')).byteLength;
  }
  return bytes;
}

export interface DockyardRun {
  folders: ImageFolder[];
  analysis: CatalogAnalysis;
  /** Config + readLocalCatalog, then analyzeCatalog, in ms. */
  readMs: number;
  analyzeMs: number;
}

/** (b) Dockyard: config, readLocalCatalog, then analyzeCatalog(folders, 'all') (parse, catalog, graph, policy, plan). */
export async function runDockyard(repoRoot: string): Promise<DockyardRun> {
  const start = performance.now();
  const config = parseConfig(await readFile(path.join(repoRoot, configPath), 'utf8'), configPath);
  const folders = await readLocalCatalog(repoRoot, config.catalog);
  const read = performance.now();
  const analysis = analyzeCatalog(folders, 'all', config);
  return { folders, analysis, readMs: read - start, analyzeMs: performance.now() - read };
}

export interface Verdict {
  images: number;
  planned: number;
  levels: number;
  findings: Finding[];
  /** What is wrong with the plan, empty when it is right. */
  problems: string[];
}

/** Checks the run: every image planned exactly once, and no findings at all (the catalog is valid). */
export function verify(run: DockyardRun, expected: readonly string[] = run.folders.map((folder) => folder.name)): Verdict {
  const { analysis } = run;
  const problems: string[] = [];
  const counts = new Map<string, number>();
  for (const level of analysis.plan) for (const name of level) counts.set(name, (counts.get(name) ?? 0) + 1);
  const twice = [...counts].filter(([, count]) => count > 1).map(([name]) => name);
  const absent = expected.filter((name) => !counts.has(name));
  const known = new Set(expected);
  const extra = [...counts.keys()].filter((name) => !known.has(name));
  if (twice.length > 0) problems.push(`${twice.length} image(s) planned more than once, e.g. ${twice.slice(0, 5).join(', ')}`);
  if (absent.length > 0) problems.push(`${absent.length} image(s) missing from the plan, e.g. ${absent.slice(0, 5).join(', ')}`);
  if (extra.length > 0) problems.push(`${extra.length} unexpected image(s) in the plan, e.g. ${extra.slice(0, 5).join(', ')}`);
  if (analysis.graph.cycles.length > 0) problems.push(`${analysis.graph.cycles.length} cycle(s) in the graph`);
  if (analysis.graph.blocked.length > 0) problems.push(`${analysis.graph.blocked.length} blocked image(s)`);
  const findings = [...analysis.catalog.findings, ...analysis.policy.findings];
  if (findings.length > 0) problems.push(`${findings.length} finding(s) on a catalog that should be valid`);
  return {
    images: analysis.catalog.images.size,
    planned: [...counts.values()].reduce((sum, n) => sum + n, 0),
    levels: analysis.plan.length,
    findings,
    problems,
  };
}
