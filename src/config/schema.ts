import { z } from 'zod';
import { repositorySettingsSchema } from '../adapters/ecr/repository-settings.ts';
import { dockerfileFrontends, type DockerfileFrontend } from '../domain/dockerfile/frontend.ts';
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

const frontendNames = Object.keys(dockerfileFrontends) as [DockerfileFrontend, ...DockerfileFrontend[]];

/** A frontend image a Dockerfile may name in `# syntax=`; its reference must always carry a digest. */
const approvedFrontend = z.strictObject({
  /**
   * Image pattern matched like an approved parent's, e.g. `docker.io/docker/dockerfile@sha256:…`.
   * With a digest only that digest matches; without one, any digest of a matching name does.
   */
  pattern: z.string().min(1),
  /** Which of Dockyard's known frontends reads Dockerfiles as this image does, so Dockyard can judge them. */
  readsAs: z.enum(frontendNames),
});

/** The repository's `.github/dockyard.yml`, always read from the default branch. */
export const configSchema = z.strictObject({
  /**
   * Folder holding one sub-folder per image, each with a Dockerfile. Always inside the repository:
   * Dockyard reads and builds what is under it, so it must not name anything else on the machine.
   */
  catalog: z
    .string()
    .max(200)
    .regex(
      /^(?!\.{1,2}(?:\/|$))[A-Za-z0-9._-]+(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._-]+)*$/,
      'must be a folder inside the repository, relative to its root, such as "images" (no leading /, no . or .. segments)',
    )
    .default('images'),
  /**
   * Registry images are published to: the name of one the Dockyard operator defined (e.g. `main`), or its
   * host (`123456789012.dkr.ecr.eu-west-1.amazonaws.com`). Publishing needs the operator's grant for it.
   */
  registry: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?$/, 'must be a registry name such as "main" or a host such as "123456789012.dkr.ecr.eu-west-1.amazonaws.com"'),
  /** Repository prefix: image `python` is published as `<registry>/<prefix>/python`; must be granted by the operator. */
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
      /**
       * Require a digest pin on every upstream parent, whatever its entry says. On by default: a tag
       * can be moved to other content after review; `false` lets each entry decide.
       */
      requireDigest: z.boolean().default(true),
      /** Frontend images a `# syntax=` directive may name; a file without one is built by the engine's own. */
      frontends: z.array(approvedFrontend).default([]),
    })
    .default({ approved: [], requireDigest: true, frontends: [] }),
  lint: z
    .strictObject({
      /** Lowest hadolint level that fails the check; `none` reports without failing. */
      failureThreshold: z.enum(['error', 'warning', 'info', 'style', 'none']).default('warning'),
      /**
       * Honour `# hadolint ignore=…` pragmas written in Dockerfiles. Off by default: a pull request
       * writes its Dockerfiles, so it could silence any finding; waive rules in `.hadolint.yaml` instead.
       */
      allowInlineIgnores: z.boolean().default(false),
    })
    .default({ failureThreshold: 'warning', allowInlineIgnores: false }),
  build: z
    .strictObject({
      /** How many independent images build at once. */
      concurrency: z.number().int().min(1).max(16).default(2),
      /**
       * Always BuildKit; `auto`, the old default, means the same. The classic builder is refused: it
       * parses Dockerfiles its own way, which Dockyard cannot check its reading against, and pulls
       * with every registry credential it is given.
       */
      builder: z
        .enum(['buildkit', 'auto'], {
          error: (issue) =>
            issue.input === 'classic'
              ? 'the classic builder is no longer supported: it reads Dockerfiles with its own parser, which Dockyard cannot check ' +
                'its policy reading against, and pulls with every registry credential. Remove `build.builder` or set it to "buildkit".'
              : undefined,
        })
        .default('buildkit'),
    })
    .default({ concurrency: 2, builder: 'buildkit' }),
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
export type ApprovedFrontend = z.infer<typeof approvedFrontend>;

/** Where Dockyard looks for its config in a repository. */
export const configPath = '.github/dockyard.yml';
