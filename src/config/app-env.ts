import path from 'node:path';
import { z } from 'zod';
import type { Mirror } from '../adapters/docker/types.ts';
import type { WriteLimit } from '../adapters/github/write-pacing.ts';
import { UserError } from '../errors.ts';

const mirrorList = z
  .string()
  .default('')
  .transform((text, context): Mirror[] => {
    const mirrors: Mirror[] = [];
    for (const entry of text.split(',').map((part) => part.trim()).filter(Boolean)) {
      const [from, to] = entry.split('=').map((part) => part.trim());
      if (!from || !to) {
        context.addIssue({ code: 'custom', message: `"${entry}" is not <registry>=<mirror>, e.g. docker.io=123.dkr.ecr.eu-west-1.amazonaws.com/docker-hub` });
        continue;
      }
      mirrors.push({ from, to: to.replace(/\/+$/, '') });
    }
    return mirrors;
  });

const windows: Record<string, number> = { s: 1_000, min: 60_000, h: 3_600_000 };

/** `80/min,500/h` as limits, `none` as no limit, unset (or empty) as undefined: the default applies. */
const writeLimitList = z
  .string()
  .default('')
  .transform((text, context): WriteLimit[] | undefined => {
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    if (trimmed === 'none') return [];
    const limits: WriteLimit[] = [];
    for (const part of trimmed.split(',').map((entry) => entry.trim())) {
      const match = /^(\d+)\s*\/\s*(s|min|h)$/.exec(part);
      const count = Number(match?.[1]);
      if (!match || !(count > 0)) {
        context.addIssue({ code: 'custom', message: `"${part}" is not <count>/<s|min|h> with a count above 0; write e.g. 80/min,500/h, or none to send writes unpaced` });
        continue;
      }
      limits.push({ count, windowMs: windows[match[2] ?? ''] ?? 0 });
    }
    return limits;
  });

/** The app's own settings, from its environment: infrastructure, never from a repository. */
const appEnvSchema = z.object({
  /** Where Dockyard keeps its durable state (SQLite). */
  DOCKYARD_STATE_DIR: z.string().default('.dockyard-state'),
  /** Scratch space for build contexts. */
  DOCKYARD_WORK_DIR: z.string().optional(),
  /** Upstream mirrors for builds, e.g. `docker.io=<account>.dkr.ecr.<region>.amazonaws.com/docker-hub`. */
  DOCKYARD_MIRRORS: mirrorList,
  /** Trivy's cache folder, holding its vulnerability database (`db/`). Must be writable. */
  DOCKYARD_TRIVY_CACHE: z.string().default('.dockyard-state/trivy'),
  /** Where the operator publishes Dockyard's docs/ folder; findings link their rule pages there. */
  DOCKYARD_DOCS_URL: z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~-]+)*\/?$/, 'must be a plain https address such as https://dockyard.example.com/docs').optional(),
  /** A mirror of Trivy's database (an OCI repository), for builders that cannot reach the default. */
  DOCKYARD_TRIVY_DB_REPOSITORY: z.string().optional(),
  /** `true` for a pre-seeded database that Trivy must never try to update (air-gapped builders). */
  DOCKYARD_TRIVY_OFFLINE: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  /** How long one Trivy scan may take. */
  DOCKYARD_TRIVY_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(600),
  /** ECR API endpoint override (a VPC endpoint, or a local stand-in). */
  DOCKYARD_ECR_ENDPOINT: z.string().url().optional(),
  /** The operator's settings file (registries, Jenkins controllers, grants); unset, Dockyard publishes nowhere. */
  DOCKYARD_OPERATOR_CONFIG: z.string().min(1).optional(),
  /** GitHub writes per installation (`80/min,500/h`, `none`); unset, see `writeLimitsFor`. */
  DOCKYARD_GITHUB_WRITE_LIMITS: writeLimitList,
  /** GitHub Enterprise Server's host (Probot's setting), which decides the default write limits. */
  GHE_HOST: z.string().optional(),
});

export type AppEnv = z.infer<typeof appEnvSchema>;

/** Reads and validates the app's environment; the only place that does. */
export function readAppEnv(env: NodeJS.ProcessEnv = process.env): AppEnv {
  const result = appEnvSchema.safeParse(env);
  if (!result.success) {
    throw new UserError(
      `Invalid environment: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  const parsed = result.data;
  return { ...parsed, DOCKYARD_STATE_DIR: path.resolve(parsed.DOCKYARD_STATE_DIR), DOCKYARD_TRIVY_CACHE: path.resolve(parsed.DOCKYARD_TRIVY_CACHE) };
}
