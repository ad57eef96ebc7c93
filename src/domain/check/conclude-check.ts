import type { Config } from '../../config/schema.ts';
import { sortFindings, type Finding, type Severity } from '../findings.ts';
import type { ParentVerdict } from '../policy/check-parents.ts';
import type { CatalogAnalysis } from './analyze-catalog.ts';

/** What hadolint gave, as far as the check cares. */
export type LintOutcome =
  | { status: 'ok'; findings: Finding[]; version: string }
  | { status: 'unavailable'; reason: string }
  | { status: 'skipped' };

export type Conclusion = 'success' | 'failure' | 'neutral';

/** One row of the report: an affected image and how it fared. */
export interface ImageRow {
  name: string;
  changed: boolean;
  removed: boolean;
  /** The parent as written after ARG expansion, or a catalog image name. */
  parent: string;
  parentKind: 'catalog' | 'upstream' | 'scratch' | 'unknown';
  verdict: ParentVerdict;
  lint: Record<Severity, number>;
  /** Findings that fail the check, all sources. */
  failing: number;
}

/** The whole result of a check, ready to be rendered. */
export interface CheckOutcome {
  analysis: CatalogAnalysis;
  lint: LintOutcome;
  findings: Finding[];
  /** Findings that fail the check (a subset of `findings`). */
  failing: Set<Finding>;
  rows: ImageRow[];
  conclusion: Conclusion;
}

const thresholdRank = { error: 0, warning: 1, info: 2, style: 2, none: -1 } as const;
const severityRank: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

/** Combines the analysis with the lint result into findings, per-image rows and a conclusion. */
export function concludeCheck(
  analysis: CatalogAnalysis,
  lint: LintOutcome,
  config: { lint: Pick<Config['lint'], 'failureThreshold'> },
): CheckOutcome {
  const { catalog, change, affected, policy } = analysis;
  const relevant = new Set([...affected, ...change.changed, ...change.removed]);
  const imageByFile = new Map([...catalog.images.values()].map((image) => [image.dockerfilePath, image.name]));
  const lintFindings = (lint.status === 'ok' ? lint.findings : []).map((finding) => {
    const image = finding.image ?? imageByFile.get(finding.file);
    return image === undefined ? finding : { ...finding, image };
  });
  const findings = sortFindings([
    ...catalog.findings.filter((finding) => finding.image === undefined || relevant.has(finding.image)),
    ...policy.findings,
    ...lintFindings,
  ]);
  const threshold = thresholdRank[config.lint.failureThreshold];
  const failing = new Set(
    findings.filter((finding) =>
      finding.source === 'hadolint' ? severityRank[finding.severity] <= threshold : finding.severity === 'error',
    ),
  );
  const rows = [...relevant]
    .filter((name) => catalog.images.has(name) || change.removed.has(name))
    .sort()
    .map((name) => rowFor(name, analysis, findings, failing));
  const conclusion: Conclusion =
    failing.size > 0 ? 'failure' : lint.status === 'unavailable' ? 'neutral' : 'success';
  return { analysis, lint, findings, failing, rows, conclusion };
}

function rowFor(name: string, analysis: CatalogAnalysis, findings: Finding[], failing: Set<Finding>): ImageRow {
  const image = analysis.catalog.images.get(name);
  const mine = findings.filter((finding) => finding.image === name);
  const lint = { error: 0, warning: 0, notice: 0 };
  for (const finding of mine) if (finding.source === 'hadolint') lint[finding.severity]++;
  const parent = image?.parent;
  return {
    name,
    changed: analysis.change.changed.has(name),
    removed: !image,
    parent: parent === undefined ? '' : parent.kind === 'catalog' ? parent.name : parent.text,
    parentKind: parent?.kind ?? 'unknown',
    verdict: analysis.policy.verdicts.get(name) ?? (image?.model ? 'catalog' : 'unreadable'),
    lint,
    failing: mine.filter((finding) => failing.has(finding)).length,
  };
}
