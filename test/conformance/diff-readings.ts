/** Where Dockyard's reading and BuildKit's disagree. */
import type { OracleReading, OracleResult } from './oracle.ts';

/** Dockyard's reading in the oracle's shape. */
export type ReaderView = OracleReading;

/** The kinds of disagreement, for counting. */
export type DisagreementClass =
  | 'reader threw'
  | 'rejected by BuildKit only'
  | 'rejected by Dockyard only'
  | 'directives.escape'
  | 'directives.syntax'
  | 'directives.check'
  | 'stages.count'
  | 'stages.name'
  | 'stages.base'
  | 'stages.platform'
  | 'sources.count'
  | 'sources.stage'
  | 'sources.via'
  | 'sources.from'
  | 'resolved';

export interface Disagreement {
  class: DisagreementClass;
  /** Where, e.g. `stages[1].base`. */
  at: string;
  dockyard: unknown;
  buildkit: unknown;
}

/**
 * Where Dockyard's reading differs from BuildKit's. When either side refuses the file, only that
 * verdict is compared: a refused file is never built, so what else it would mean does not matter.
 */
export function diff(reader: ReaderView, oracle: OracleResult): Disagreement[] {
  if (reader.rejected !== oracle.rejected) {
    return [{
      class: oracle.rejected ? 'rejected by BuildKit only' : 'rejected by Dockyard only',
      at: 'rejected',
      dockyard: reader.rejected,
      buildkit: oracle.error === undefined ? oracle.rejected : `${oracle.rejected}: ${oracle.error}`,
    }];
  }
  if (reader.rejected) return [];
  const found: Disagreement[] = [];
  const compare = (cls: DisagreementClass, at: string, dockyard: unknown, buildkit: unknown) => {
    if (JSON.stringify(dockyard) !== JSON.stringify(buildkit)) found.push({ class: cls, at, dockyard, buildkit });
  };
  for (const key of ['escape', 'syntax', 'check'] as const) {
    compare(`directives.${key}`, `directives.${key}`, reader.directives[key], oracle.directives[key]);
  }
  if (reader.stages.length !== oracle.stages.length) {
    compare('stages.count', 'stages', reader.stages, oracle.stages);
  } else {
    reader.stages.forEach((stage, i) => {
      const other = oracle.stages[i];
      for (const key of ['name', 'base', 'platform'] as const) compare(`stages.${key}`, `stages[${i}].${key}`, stage[key], other?.[key]);
    });
  }
  if (reader.sources.length !== oracle.sources.length) {
    compare('sources.count', 'sources', reader.sources, oracle.sources);
  } else {
    reader.sources.forEach((source, i) => {
      const other = oracle.sources[i];
      for (const key of ['stage', 'via', 'from'] as const) compare(`sources.${key}`, `sources[${i}].${key}`, source[key], other?.[key]);
    });
  }
  compare('resolved', 'resolved', reader.resolved, oracle.resolved);
  return found;
}
