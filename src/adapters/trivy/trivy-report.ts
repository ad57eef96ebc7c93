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

/** A finding `--show-suppressed` lists as waived (`.trivyignore`); other kinds and statuses are not read. */
const modifiedFindingSchema = z.object({
  Type: z.string(),
  Status: z.string(),
  Statement: optionalText,
  Source: optionalText,
  Finding: z.unknown(),
});

/** The part of `trivy image --format json` that Dockyard reads. */
const trivyReportSchema = z.object({
  // Pinned so that a future report layout fails loudly instead of reading as "no vulnerabilities".
  SchemaVersion: z.literal(2),
  Results: z
    .array(
      z.object({
        Vulnerabilities: z.array(trivyVulnerabilitySchema).nullish(),
        ExperimentalModifiedFindings: z.array(modifiedFindingSchema).nullish(),
      }),
    )
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
    const waived = (result.ExperimentalModifiedFindings ?? []).flatMap((modified) => {
      if (modified.Type !== 'vulnerability' || modified.Status !== 'ignored') return [];
      const found = trivyVulnerabilitySchema.safeParse(modified.Finding);
      if (!found.success) return [];
      const vulnerability = toVulnerability(found.data);
      vulnerability.waived = {
        ...(modified.Source ? { source: modified.Source } : {}),
        ...(modified.Statement ? { statement: modified.Statement } : {}),
      };
      return [vulnerability];
    });
    for (const vulnerability of [...(result.Vulnerabilities ?? []).map(toVulnerability), ...waived]) {
      const key = JSON.stringify([vulnerability.id, vulnerability.pkgName, vulnerability.installedVersion, vulnerability.fixedVersion ?? '', vulnerability.waived !== undefined]);
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
