import type { Vulnerability, VulnerabilitySeverity } from '../../../src/adapters/trivy/types.ts';

/** A vulnerability with only what a test cares about; fixable unless `fixedVersion` is set to undefined. */
export function vulnerability(
  id: string,
  pkgName: string,
  severity: VulnerabilitySeverity,
  extra: Partial<Vulnerability> = {},
): Vulnerability {
  return { id, pkgName, installedVersion: '1.0-1', fixedVersion: '1.0-2', severity, ...extra };
}

/** The same vulnerability without a fix. */
export function unfixed(id: string, pkgName: string, severity: VulnerabilitySeverity): Vulnerability {
  return { id, pkgName, installedVersion: '1.0-1', severity };
}
