import { z } from 'zod';

/** One rule violation as `hadolint --format json` prints it. */
export const hadolintIssueSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  level: z.enum(['error', 'warning', 'info', 'style']),
  code: z.string().min(1),
  message: z.string(),
});

export type HadolintIssue = z.infer<typeof hadolintIssueSchema>;

const hadolintOutputSchema = z.array(hadolintIssueSchema);

/** Reads hadolint's JSON report; the error says why it is not one, so the failure can be reported. */
export function parseHadolintOutput(
  stdout: string,
): { ok: true; issues: HadolintIssue[] } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return { ok: false, error: `not JSON: ${preview(stdout)}` };
  }
  const parsed = hadolintOutputSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, error: `unexpected JSON: ${z.prettifyError(parsed.error)}` };
  }
  return { ok: true, issues: parsed.data };
}

function preview(text: string): string {
  const oneLine = text.trim().replace(/\s+/g, ' ');
  if (oneLine === '') return '(no output)';
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}
