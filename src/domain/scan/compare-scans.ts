import { activeVulnerabilities, type Vulnerability } from './vulnerability.ts';
import { sortVulnerabilities } from './order-vulnerabilities.ts';

/** What a change does to an image's vulnerabilities, compared with the published image. */
export interface ScanComparison {
  /** In the new image only: what the change introduces. */
  added: Vulnerability[];
  /** In the published image only: what the change fixes. */
  fixed: Vulnerability[];
  /** How many (vulnerability, package) pairs both images have. */
  unchanged: number;
}

/**
 * Compares two scans by (vulnerability id, package name). A package that moves to another version
 * but stays vulnerable to the same advisory counts as unchanged: the change neither adds nor fixes it.
 * Each pair appears once, even when Trivy reports it for several paths or versions. Waived findings
 * are left out on both sides, so a waiver never reads as a fix.
 */
export function compareScans(current: readonly Vulnerability[], published: readonly Vulnerability[]): ScanComparison {
  const currentByKey = byKey(activeVulnerabilities(current));
  const publishedByKey = byKey(activeVulnerabilities(published));
  const added = [...currentByKey].filter(([key]) => !publishedByKey.has(key)).map(([, vulnerability]) => vulnerability);
  const fixed = [...publishedByKey].filter(([key]) => !currentByKey.has(key)).map(([, vulnerability]) => vulnerability);
  const unchanged = [...currentByKey.keys()].filter((key) => publishedByKey.has(key)).length;
  return { added, fixed, unchanged };
}

/** The key two scans are compared by: the advisory and the package it is in. */
export function vulnerabilityKey(vulnerability: Vulnerability): string {
  return `${vulnerability.id}\u0000${vulnerability.pkgName}`;
}

// One entry per pair, keeping the first in sorted order so the representative is deterministic.
function byKey(vulnerabilities: readonly Vulnerability[]): Map<string, Vulnerability> {
  const map = new Map<string, Vulnerability>();
  for (const vulnerability of sortVulnerabilities(vulnerabilities)) {
    const key = vulnerabilityKey(vulnerability);
    if (!map.has(key)) map.set(key, vulnerability);
  }
  return map;
}
