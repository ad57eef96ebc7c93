import { z } from 'zod';

/**
 * Body of POST /configuration-as-code/check: `[]` when the YAML would apply, else one entry per problem.
 * Current JCasC names the text `message` (400); older releases answered 200 with `warning` or `error`
 * (configuration-as-code-plugin ConfigurationAsCode.java doCheck / collectProblems).
 */
export const checkResponseSchema = z.array(
  z.object({
    line: z.number().int(),
    message: z.string().optional(),
    warning: z.string().optional(),
    error: z.string().optional(),
  }),
);

/**
 * Body of a failed token reload: TokenReloadAction.java writes `{"status":"error","message":…}`
 * (configuration-as-code-plugin PR #2864) instead of the old generic error page.
 */
export const reloadErrorSchema = z.object({ status: z.literal('error'), message: z.string() });

/** Parses JSON, or gives undefined for anything else (such as an HTML error page). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
