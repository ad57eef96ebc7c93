/** How much a finding weighs: errors fail the check, warnings and notices inform. */
export type Severity = 'error' | 'warning' | 'notice';

/** Where a finding came from: Dockyard's own rules, or a tool it runs. */
export type FindingSource = 'dockyard' | 'hadolint' | 'config';

/** One thing Dockyard has to say about a file, anchored to a line so it can be annotated. */
export interface Finding {
  /** Path relative to the repository root, with forward slashes. */
  file: string;
  /** 1-based line; 1 when the problem concerns the whole file. */
  line: number;
  endLine?: number;
  severity: Severity;
  source: FindingSource;
  /** Stable rule id, e.g. `DY001` for Dockyard or `DL3008` for hadolint. */
  rule: string;
  /** What is wrong and what to do about it, in one or two sentences. */
  message: string;
  /** The catalog image the finding belongs to, when there is one. */
  image?: string;
}

const order: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

/** Sorts findings by file, line, then severity, so every report lists them in the same order. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      order[a.severity] - order[b.severity] ||
      a.rule.localeCompare(b.rule),
  );
}
