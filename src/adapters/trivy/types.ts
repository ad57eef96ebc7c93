export type VulnerabilitySeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';

/** One vulnerability Trivy found in an image package. */
export interface Vulnerability {
  id: string;
  pkgName: string;
  installedVersion: string;
  /** Absent when no fix is available. */
  fixedVersion?: string;
  severity: VulnerabilitySeverity;
  title?: string;
  /** Trivy's status, e.g. `fixed`, `affected`, `will_not_fix`. */
  status?: string;
  primaryUrl?: string;
}

export interface ScanRequest {
  /** Image to scan, by ID or reference, as the Docker engine knows it. */
  image: string;
  /** Repo-level `.trivyignore` contents (from the default branch), if any. */
  ignoreFile?: string;
  ignoreUnfixed: boolean;
  signal?: AbortSignal;
}

export type ScanResult =
  | { status: 'ok'; vulnerabilities: Vulnerability[]; database: { updatedAt: string; nextUpdate: string; stale: boolean } }
  | { status: 'unavailable'; reason: string };
