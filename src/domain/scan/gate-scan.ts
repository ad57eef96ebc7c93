import { activeVulnerabilities, type Vulnerability, type VulnerabilitySeverity } from './vulnerability.ts';
import { countBySeverity, sortVulnerabilities } from './order-vulnerabilities.ts';

/** Whether a scan passes the security gate, and what blocks it. */
export interface ScanGate {
  passed: boolean;
  /** Findings per severity, every severity present. */
  counts: Record<VulnerabilitySeverity, number>;
  /** The findings at a blocking severity, most severe first. */
  failing: Vulnerability[];
}

export interface GateOptions {
  /** Severities that fail the gate; CRITICAL only when not given. An empty list never fails. */
  failOn?: readonly VulnerabilitySeverity[];
}

/**
 * Judges a scan: it passes when no finding has a severity listed in `failOn`. Waived findings
 * (`.trivyignore`) neither fail nor count.
 */
export function gateScan(vulnerabilities: readonly Vulnerability[], options: GateOptions = {}): ScanGate {
  const failOn = new Set<VulnerabilitySeverity>(options.failOn ?? ['CRITICAL']);
  const active = activeVulnerabilities(vulnerabilities);
  const failing = sortVulnerabilities(active.filter((vulnerability) => failOn.has(vulnerability.severity)));
  return { passed: failing.length === 0, counts: countBySeverity(active), failing };
}
