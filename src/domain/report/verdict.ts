import type { CheckOutcome } from '../check/conclude-check.ts';
import type { BuildState } from './render-builds.ts';

/** A pull request check's conclusion, as the Checks API takes it. */
export type PullRequestConclusion = 'success' | 'failure' | 'neutral' | 'action_required';

/** The worst thing a check found, as the check run's conclusion and the report's headline. */
export interface Verdict {
  conclusion: PullRequestConclusion;
  icon: '✅' | '❌' | '⚠️' | '🔒';
  /** One line, without the `Dockyard: ` prefix, e.g. `2 problems must be fixed: 1 finding, 1 failed scan`. */
  headline: string;
}

/**
 * Judges a check and its builds by the worst outcome: anything that must be fixed fails; a fork's head
 * waiting for a maintainer's go-ahead to build needs action (it was neither built nor scanned, so it
 * never passes); a tool that did not run is neutral; only a check where everything ran and passed succeeds.
 */
export function verdictOf(outcome: CheckOutcome, builds?: BuildState): Verdict {
  const built = builds?.kind === 'built' ? builds.images : [];
  const findings = outcome.failing.size;
  const failedBuilds = built.filter((view) => view.status === 'failed' || view.status === 'refused').length;
  const failedScans = built.filter((view) => view.gate !== undefined && !view.gate.passed).length;
  const problems = findings + failedBuilds + failedScans;
  if (problems > 0) {
    const parts: string[] = [];
    if (findings > 0) parts.push(count(findings, 'finding'));
    if (failedBuilds > 0) parts.push(count(failedBuilds, 'failed build'));
    if (failedScans > 0) parts.push(`${count(failedScans, 'image')} over the scan gate`);
    const headline = parts.length === 1 && findings > 0 ? `${parts[0]} must be fixed` : `${count(problems, 'problem')} must be fixed: ${parts.join(', ')}`;
    return { conclusion: 'failure', icon: '❌', headline };
  }
  const lintMissing = outcome.lint.status === 'unavailable';
  if (builds?.kind === 'awaiting-approval') {
    return { conclusion: 'action_required', icon: '🔒', headline: `${lintMissing ? 'policy passed, lint did not run' : 'policy and lint passed'}; not built or scanned until a maintainer approves` };
  }
  const unscanned = built.filter((view) => view.scan?.status === 'unavailable').length;
  if (lintMissing || unscanned > 0) {
    const parts = [lintMissing ? 'policy passed, lint did not run' : 'policy and lint passed'];
    if (unscanned > 0) parts.push(`${count(unscanned, 'image')} not scanned`);
    return { conclusion: 'neutral', icon: '⚠️', headline: parts.join('; ') };
  }
  const notes = outcome.findings.length;
  return { conclusion: 'success', icon: '✅', headline: notes > 0 ? `passed with ${count(notes, 'note')}` : 'all checks passed' };
}

function count(n: number, singular: string): string {
  return `${n} ${n === 1 ? singular : `${singular}s`}`;
}
