import type { Vulnerability } from './vulnerability.ts';

/** What scanning one image gave: its vulnerabilities and the database's age, or why it could not run. */
export type ScanResult =
  | { status: 'ok'; vulnerabilities: Vulnerability[]; database: { updatedAt: string; nextUpdate: string; stale: boolean } }
  | { status: 'unavailable'; reason: string };
