export type { Vulnerability, VulnerabilitySeverity } from '../../domain/scan/vulnerability.ts';
export type { ScanResult } from '../../domain/scan/scan-result.ts';

export interface ScanRequest {
  /** Image to scan, by ID or reference, as the Docker engine knows it. */
  image: string;
  /** Repo-level `.trivyignore` contents (from the default branch), if any. */
  ignoreFile?: string;
  ignoreUnfixed: boolean;
  signal?: AbortSignal;
}
