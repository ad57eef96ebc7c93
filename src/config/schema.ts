import { z } from 'zod';
import { repositorySettingsSchema } from '../adapters/ecr/repository-settings.ts';
import { jenkinsConfigSchema } from './jenkins-schema.ts';

const approvedParent = z.strictObject({
  /**
   * Image name pattern matched against the normalized reference (`docker.io/library/debian`),
   * optionally with `:tag` and `@sha256:digest`. `*` matches within one path segment, `**` across.
   */
  pattern: z.string().min(1),
  /** Require FROM lines that use this parent to pin a digest (`@sha256:…`). */
  requireDigest: z.boolean().optional(),
  /** Where the parent may be used: as the final stage's parent, for intermediate stages, or both. */
  scope: z.enum(['any', 'final', 'stage']).default('any'),
});

/** The repository's `.github/dockyard.yml`, always read from the default branch. */
export const configSchema = z.strictObject({
  /** Folder holding one sub-folder per image, each with a Dockerfile. */
  catalog: z
    .string()
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'must be a relative folder path such as "images"')
    .default('images'),
  /** Registry host images are published to, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  registry: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?$/, 'must be a registry host such as "123456789012.dkr.ecr.eu-west-1.amazonaws.com"'),
  /** Repository prefix: image `python` is published as `<registry>/<prefix>/python`. */
  prefix: z
    .string()
    .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, 'must be lower-case path components such as "jenkins-agents"')
    .default('jenkins-agents'),
  /** Build arg that carries the registry; children write `FROM ${REGISTRY}/<prefix>/<parent>`. */
  registryArg: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('REGISTRY'),
  parents: z
    .strictObject({
      /** Upstream images (outside the catalog) that images may inherit from. */
      approved: z.array(approvedParent).default([]),
      /** Require a digest pin on every upstream parent, whatever its entry says. */
      requireDigest: z.boolean().default(false),
    })
    .default({ approved: [], requireDigest: false }),
  lint: z
    .strictObject({
      /** Lowest hadolint level that fails the check; `none` reports without failing. */
      failureThreshold: z.enum(['error', 'warning', 'info', 'style', 'none']).default('warning'),
    })
    .default({ failureThreshold: 'warning' }),
  build: z
    .strictObject({
      /** How many independent images build at once. */
      concurrency: z.number().int().min(1).max(16).default(2),
      /** `auto` prefers BuildKit and falls back to the classic builder where the engine lacks it. */
      builder: z.enum(['auto', 'buildkit', 'classic']).default('auto'),
    })
    .default({ concurrency: 2, builder: 'auto' }),
  scan: z
    .strictObject({
      /** Vulnerability severities that fail the check and block publishing. */
      failOn: z.array(z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'])).default(['CRITICAL']),
      /** Leave out vulnerabilities that have no fix yet. */
      ignoreUnfixed: z.boolean().default(false),
    })
    .default({ failOn: ['CRITICAL'], ignoreUnfixed: false }),
  publish: z
    .strictObject({
      /** How Dockyard creates the ECR repository of an image it publishes for the first time. */
      repository: repositorySettingsSchema.prefault({}),
    })
    .prefault({}),
  /** Where published images are registered as Jenkins agent templates; absent, Dockyard only publishes. */
  jenkins: jenkinsConfigSchema.optional(),
});

export type Config = z.infer<typeof configSchema>;
export type ApprovedParent = z.infer<typeof approvedParent>;

/** Where Dockyard looks for its config in a repository. */
export const configPath = '.github/dockyard.yml';
