/**
 * Runs a corpus through Dockyard's reader and through the BuildKit oracle, and says where they part.
 */
import type { DockerfileFrontend } from '../../src/domain/dockerfile/frontend.ts';
import { diff, type Disagreement, type ReaderView } from './diff-readings.ts';
import { runOracle, type OracleInput, type OracleResult } from './oracle.ts';
import { readerView } from './reader-view.ts';

export interface CorpusCase extends OracleInput {
  /** The generator's feature classes present in the file, when it is generated. */
  features?: readonly string[];
}

export interface FileDisagreement {
  input: CorpusCase;
  oracle: OracleResult;
  reader?: ReaderView;
  disagreements: Disagreement[];
}

export interface Comparison {
  frontend: DockerfileFrontend;
  files: number;
  /** Files BuildKit refuses: for those only the verdict is compared. */
  rejectedByBuildkit: number;
  disagreeing: FileDisagreement[];
  /** Files per feature class, to weigh the failures per class against. */
  featureTotals: Map<string, number>;
  oracleMs: number;
  readerMs: number;
}

/** Reads every case on both sides and collects the files where the readings differ. */
export async function compareWithBuildkit(
  frontend: DockerfileFrontend,
  oracleBinary: string,
  cases: readonly CorpusCase[],
): Promise<Comparison> {
  const oracleStart = performance.now();
  const answers = await runOracle(oracleBinary, cases.map(({ id, dockerfile, buildArgs }) => ({ id, dockerfile, buildArgs })));
  const oracleMs = performance.now() - oracleStart;
  const comparison: Comparison = {
    frontend,
    files: cases.length,
    rejectedByBuildkit: 0,
    disagreeing: [],
    featureTotals: new Map(),
    oracleMs,
    readerMs: 0,
  };
  const readerStart = performance.now();
  cases.forEach((input, index) => {
    const oracle = answers[index] as OracleResult;
    if (oracle.rejected) comparison.rejectedByBuildkit++;
    for (const feature of input.features ?? []) comparison.featureTotals.set(feature, (comparison.featureTotals.get(feature) ?? 0) + 1);
    let reader: ReaderView;
    try {
      reader = readerView(input.dockerfile, input.buildArgs, frontend);
    } catch (error) {
      const thrown = error instanceof Error ? (error.stack ?? error.message) : String(error);
      comparison.disagreeing.push({ input, oracle, disagreements: [{ class: 'reader threw', at: 'readDockerfile', dockyard: thrown, buildkit: null }] });
      return;
    }
    const disagreements = diff(reader, oracle);
    if (disagreements.length > 0) comparison.disagreeing.push({ input, oracle, reader, disagreements });
  });
  comparison.readerMs = performance.now() - readerStart;
  return comparison;
}

/** Files per disagreement class, most first. */
export function countByClass(comparison: Comparison): [string, number][] {
  const counts = new Map<string, number>();
  for (const file of comparison.disagreeing) {
    for (const cls of new Set(file.disagreements.map((d) => d.class))) counts.set(cls, (counts.get(cls) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** Per generator feature: disagreeing files with it, files with it, ordered by the share that disagree. */
export function countByFeature(comparison: Comparison): [string, number, number][] {
  const failing = new Map<string, number>();
  for (const file of comparison.disagreeing) {
    for (const feature of file.input.features ?? []) failing.set(feature, (failing.get(feature) ?? 0) + 1);
  }
  return [...failing]
    .map(([feature, count]): [string, number, number] => [feature, count, comparison.featureTotals.get(feature) ?? count])
    .sort((a, b) => b[1] / b[2] - a[1] / a[2] || b[1] - a[1]);
}

/** The first disagreeing file of each class, most frequent class first, then the next files in order. */
function examples(comparison: Comparison, limit: number): FileDisagreement[] {
  const chosen = new Set<FileDisagreement>();
  for (const [cls] of countByClass(comparison)) {
    const file = comparison.disagreeing.find((candidate) => candidate.disagreements.some((d) => d.class === cls));
    if (file && chosen.size < limit) chosen.add(file);
  }
  for (const file of comparison.disagreeing) if (chosen.size < limit) chosen.add(file);
  return [...chosen];
}

/** BuildKit's errors for the files only it rejects, with line numbers and quoted text folded. */
export function buildkitOnlyReasons(comparison: Comparison): [string, number][] {
  const counts = new Map<string, number>();
  for (const file of comparison.disagreeing) {
    if (!file.disagreements.some((d) => d.class === 'rejected by BuildKit only')) continue;
    const reason = (file.oracle.error ?? 'no error given')
      .replace(/\b\d+\b/g, 'N')
      .replace(/(on stage:) \S+/, '$1 …')
      .replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '…')
      .slice(0, 120);
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** A failure message: the counts, then the first few files with their text and both readings. */
export function describeComparison(comparison: Comparison, options: { corpus: string; limit?: number }): string {
  const { frontend, files, disagreeing, rejectedByBuildkit } = comparison;
  const lines = [
    `${frontend}, ${options.corpus}: ${disagreeing.length} of ${files} files read differently from BuildKit ` +
      `(BuildKit rejects ${rejectedByBuildkit} of the ${files}).`,
    `By class (files): ${countByClass(comparison).map(([cls, n]) => `${cls} ${n}`).join(', ') || 'none'}`,
  ];
  const reasons = buildkitOnlyReasons(comparison);
  if (reasons.length > 0) {
    lines.push(`Why BuildKit rejects what Dockyard accepts (files): ${reasons.slice(0, 12).map(([reason, n]) => `${n}× ${reason}`).join('; ')}`);
  }
  const features = countByFeature(comparison).filter(([, n]) => n >= 3);
  if (features.length > 0) {
    lines.push(`Generator features most often in disagreeing files (disagreeing/with it): ${features.slice(0, 15).map(([f, n, total]) => `${f} ${n}/${total}`).join(', ')}`);
  }
  for (const file of examples(comparison, options.limit ?? 5)) {
    lines.push('', `--- ${file.input.id}${file.input.features ? ` [${file.input.features.join(' ')}]` : ''}`);
    lines.push(`    buildArgs: ${JSON.stringify(file.input.buildArgs)}`);
    lines.push(`    dockerfile: ${JSON.stringify(file.input.dockerfile)}`);
    for (const d of file.disagreements) {
      lines.push(`    ${d.at}: Dockyard ${JSON.stringify(d.dockyard)} / BuildKit ${JSON.stringify(d.buildkit)}`);
    }
    if (file.oracle.error !== undefined && file.disagreements.every((d) => d.at !== 'rejected')) {
      lines.push(`    (BuildKit error: ${file.oracle.error})`);
    }
  }
  return lines.join('\n');
}
