import { z } from 'zod';
import { sortVulnerabilities } from '../../domain/scan/order-vulnerabilities.ts';
import type { Vulnerability } from './types.ts';

// Trivy omits empty fields, and older reports write null for empty lists: accept both as "none".
const optionalText = z.string().nullish();

const trivyVulnerabilitySchema = z.object({
  VulnerabilityID: z.string().min(1),
  PkgName: z.string().min(1),
  InstalledVersion: z.string(),
  FixedVersion: optionalText,
  Severity: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']),
  Title: optionalText,
  Status: optionalText,
  PrimaryURL: optionalText,
});

/** The part of `trivy image --format json` that Dockyard reads. */
const trivyReportSchema = z.object({
  // Pinned so that a future report layout fails loudly instead of reading as "no vulnerabilities".
  SchemaVersion: z.literal(2),
  Results: z
    .array(z.object({ Vulnerabilities: z.array(trivyVulnerabilitySchema).nullish() }))
    .nullish(),
});

type TrivyVulnerability = z.infer<typeof trivyVulnerabilitySchema>;

/**
 * Reads Trivy's JSON report into vulnerabilities, sorted, with exact repeats removed (Trivy lists
 * a finding once per file path, which Dockyard does not show). The error says why it is not a report.
 */
export function parseTrivyReport(stdout: string): { ok: true; vulnerabilities: Vulnerability[] } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return { ok: false, error: `not JSON: ${preview(stdout)}` };
  }
  const parsed = trivyReportSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: `unexpected JSON: ${z.prettifyError(parsed.error)}` };
  const unique = new Map<string, Vulnerability>();
  for (const result of parsed.data.Results ?? []) {
    for (const found of result.Vulnerabilities ?? []) {
      const vulnerability = toVulnerability(found);
      const key = JSON.stringify([vulnerability.id, vulnerability.pkgName, vulnerability.installedVersion, vulnerability.fixedVersion ?? '']);
      if (!unique.has(key)) unique.set(key, vulnerability);
    }
  }
  return { ok: true, vulnerabilities: sortVulnerabilities([...unique.values()]) };
}

function toVulnerability(found: TrivyVulnerability): Vulnerability {
  const vulnerability: Vulnerability = {
    id: found.VulnerabilityID,
    pkgName: found.PkgName,
    installedVersion: found.InstalledVersion,
    severity: found.Severity,
  };
  if (found.FixedVersion) vulnerability.fixedVersion = found.FixedVersion;
  if (found.Title) vulnerability.title = found.Title;
  if (found.Status) vulnerability.status = found.Status;
  if (found.PrimaryURL) vulnerability.primaryUrl = found.PrimaryURL;
  return vulnerability;
}

function preview(text: string): string {
  const oneLine = text.trim().replace(/\s+/g, ' ');
  if (oneLine === '') return '(no output)';
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}
