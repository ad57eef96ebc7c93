import type { Vulnerability, VulnerabilitySeverity } from './vulnerability.ts';

/** Every severity, most severe first: the order of counts, tables and gates. */
export const severities: readonly VulnerabilitySeverity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

const rank: Record<VulnerabilitySeverity, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, UNKNOWN: 4 };

// Numeric collation so CVE-2024-9999 comes before CVE-2024-10000; fixed locale so every machine agrees.
const collator = new Intl.Collator('en', { numeric: true });

/** Orders by severity (most severe first), then id, then package, then installed version. */
export function compareVulnerabilities(a: Vulnerability, b: Vulnerability): number {
  return (
    rank[a.severity] - rank[b.severity] ||
    collator.compare(a.id, b.id) ||
    collator.compare(a.pkgName, b.pkgName) ||
    collator.compare(a.installedVersion, b.installedVersion)
  );
}

/** A sorted copy, so every report lists the same scan the same way. */
export function sortVulnerabilities(vulnerabilities: readonly Vulnerability[]): Vulnerability[] {
  return [...vulnerabilities].sort(compareVulnerabilities);
}

/** Counts per severity, with every severity present (zero when none). */
export function countBySeverity(vulnerabilities: readonly Vulnerability[]): Record<VulnerabilitySeverity, number> {
  const counts: Record<VulnerabilitySeverity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const vulnerability of vulnerabilities) counts[vulnerability.severity]++;
  return counts;
}
