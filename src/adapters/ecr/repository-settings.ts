import { z } from 'zod';

export { movingTag } from '../../domain/publish/tag-scheme.ts';

/** Tag on every ECR repository Dockyard creates. */
export const managedByTag = 'managed-by';

/** Tag naming the catalog (`owner/repo`) an ECR repository belongs to; Dockyard writes only to its own catalog's. */
export const catalogTag = 'dockyard:catalog';

const encryptionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('AES256') }),
  z.strictObject({
    type: z.literal('KMS'),
    /** KMS key ARN, id or alias; omitted, ECR uses its AWS-managed key `aws/ecr`. */
    kmsKey: z.string().min(1).optional(),
  }),
]);

/** An ECR lifecycle tag pattern: tag characters and at most four `*` wildcards (ECR's limit). */
const tagPatternSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.*-]{1,128}$/, 'must be tag characters (letters, digits, _ . -) and `*` wildcards')
  .refine((pattern) => pattern.split('*').length - 1 <= 4, 'must contain at most four `*` wildcards (an ECR limit)');

const lifecycleSchema = z.strictObject({
  /** Days after push when an untagged image (left behind by a moved `latest`) is expired. */
  untaggedExpireDays: z.int().positive().default(14),
  /** Tagged images kept per repository, newest first; older ones whose tags match `commitTagPattern` are expired. */
  keepTagged: z.int().positive().default(50),
  /** ECR wildcard pattern of the per-commit tags Dockyard pushes (`sha-<commit>`, see the tag scheme). */
  commitTagPattern: tagPatternSchema.default('sha-*'),
});

/**
 * How Dockyard creates an ECR repository it publishes to. Applied only when it creates one: settings of
 * existing repositories are the maintainers' (except a missing lifecycle policy, which is added).
 */
export const repositorySettingsSchema = z.strictObject({
  /**
   * `IMMUTABLE_WITH_EXCLUSION` (default): every tag is immutable except `latest`, which moves so children
   * can build `FROM <parent>` without a tag. `IMMUTABLE`: no tag ever moves (children must name a tag).
   * `MUTABLE`: any tag may be overwritten.
   */
  tagMutability: z.enum(['IMMUTABLE_WITH_EXCLUSION', 'IMMUTABLE', 'MUTABLE']).default('IMMUTABLE_WITH_EXCLUSION'),
  /** Ask ECR's basic scanning to scan every pushed image. */
  scanOnPush: z.boolean().default(true),
  /** Encryption at rest: `{ type: AES256 }` (default) or `{ type: KMS, kmsKey? }`. */
  encryption: encryptionSchema.default({ type: 'AES256' }),
  /**
   * Resource tags added to every repository, next to Dockyard's own. Keys `managed-by` and `dockyard:…` are
   * Dockyard's: they say which catalog owns a repository, so a config may not set them.
   */
  tags: z
    .record(z.string().min(1).max(128), z.string().max(256))
    .superRefine((tags, ctx) => {
      for (const key of Object.keys(tags)) {
        if (key === managedByTag || key.startsWith('dockyard:')) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'is a tag Dockyard sets itself (it marks which catalog owns the repository)' });
        }
      }
    })
    .default({}),
  /** The lifecycle policy put on every repository; `latest` is never expired. */
  lifecycle: lifecycleSchema.prefault({}),
});

export type RepositorySettings = z.infer<typeof repositorySettingsSchema>;
export type LifecycleSettings = RepositorySettings['lifecycle'];
