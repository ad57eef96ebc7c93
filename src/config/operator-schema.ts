import { isIP } from 'node:net';
import { z } from 'zod';
import { forbiddenHost } from '../domain/policy/check-add-sources.ts';

// The operator's settings: what one Dockyard installation may reach and with which credentials. Only the
// operator writes this file; repositories choose among what it defines, by name.

const settingName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9_-]{0,62})$/, 'must be a short name: lower-case letters, digits, "_" and "-", such as "main"');

const envVarName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be the NAME of an environment variable of the app, such as "JENKINS_API_TOKEN"; secrets never go in this file');

const ecrHost = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** True for hosts that never leave the machine: loopback addresses and `localhost`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** A registry Dockyard publishes to. */
const registrySchema = z
  .strictObject({
    /** Registry host as images are named with it, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
    host: z.string().regex(/^[a-z0-9.-]+(:\d+)?$/, 'must be a registry host such as "123456789012.dkr.ecr.eu-west-1.amazonaws.com"'),
    /** AWS region of the ECR API for this registry; defaults to the region in an ECR host. */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as "eu-west-1"').optional(),
    /** AWS account that owns the registry; defaults to the account in an ECR host. */
    accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
  })
  .transform((registry, ctx) => {
    const match = ecrHost.exec(registry.host);
    const region = registry.region ?? match?.[2];
    const accountId = registry.accountId ?? match?.[1];
    if (match && registry.region !== undefined && registry.region !== match[2]) {
      ctx.addIssue({ code: 'custom', path: ['region'], message: `must be "${match[2]}", the region in host` });
    }
    if (match && registry.accountId !== undefined && registry.accountId !== match[1]) {
      ctx.addIssue({ code: 'custom', path: ['accountId'], message: `must be "${match[1]}", the account in host` });
    }
    return { host: registry.host, ...(region === undefined ? {} : { region }), ...(accountId === undefined ? {} : { accountId }) };
  });

/** A Jenkins controller Dockyard registers agent templates in. */
const controllerSchema = z
  .strictObject({
    /** Jenkins root URL, e.g. `https://jenkins.example.com/`. Credentials are sent here, so https only. */
    url: z.url({ protocol: /^https?$/ }).refine((url) => !/^[a-z]+:\/\/[^/]*@/i.test(url), 'must not contain credentials; put them in auth'),
    /** Accept an `http://` url, for a controller on this machine's loopback interface (testing) only. */
    allowInsecureHttp: z.boolean().default(false),
    /** How Dockyard proves itself to this controller: names of the app's env vars, never their values. */
    auth: z
      .strictObject({
        /** Env var holding the token matching CASC_RELOAD_TOKEN on the controller (token reload). */
        reloadTokenEnv: envVarName.optional(),
        /** Jenkins user with Overall/Administer, for /configuration-as-code/check and reload. */
        user: z.string().min(1).optional(),
        /** Env var holding that user's API token. */
        apiTokenEnv: envVarName.optional(),
      })
      .superRefine((auth, ctx) => {
        if ((auth.user === undefined) !== (auth.apiTokenEnv === undefined)) {
          ctx.addIssue({ code: 'custom', path: [auth.user === undefined ? 'user' : 'apiTokenEnv'], message: 'user and apiTokenEnv go together' });
        }
        if (auth.reloadTokenEnv === undefined && auth.user === undefined) {
          ctx.addIssue({ code: 'custom', message: 'set reloadTokenEnv, or user and apiTokenEnv' });
        }
      }),
    /** How the controller gets the generated documents; at least one way must be on. */
    delivery: z
      .strictObject({
        /** The app serves each repository's documents over its own URL, for CASC_JENKINS_CONFIG. */
        serve: z
          .strictObject({
            /** Serve the documents over HTTP. */
            enabled: z.boolean().default(false),
            /** URL path the documents are served under. */
            path: z.string().regex(/^(\/[A-Za-z0-9._-]+)+$/, 'must be a URL path such as "/jenkins/casc"').default('/jenkins/casc'),
            /**
             * `capability` (default): each repository's documents live under a long random path segment of its
             * own (`<path>/<owner>/<repo>/<capability>/<cloud>.yaml`), which released JCasC can fetch as a plain
             * URL. `bearer`: `<path>/<owner>/<repo>/<cloud>.yaml` with `Authorization: Bearer <token>`, the
             * token per repository; only for a configuration-as-code plugin that sends that header.
             */
            auth: z.enum(['capability', 'bearer']).default('capability'),
          })
          .prefault({}),
        /**
         * Folder on the app's host the controller reads (e.g. under its CASC_JENKINS_CONFIG directory); each
         * repository's documents go to `<writeTo>/<owner>/<repo>/<cloud>.yaml`.
         */
        writeTo: z.string().regex(/^\/[^\s]*$/, 'must be an absolute path such as "/var/jenkins_casc/dockyard"').optional(),
      })
      .prefault({})
      .refine((delivery) => delivery.serve.enabled || delivery.writeTo !== undefined, {
        message: 'turn on serve.enabled or set writeTo, or Jenkins never sees the generated documents',
      }),
    /**
     * Which clouds on this controller are not Dockyard's. A reload replaces Jenkins' whole cloud list with
     * what the CasC sources declare, so before reloading Dockyard reads the controller's clouds and refuses
     * when one would vanish (made in the UI or by a script) or when a name would be declared twice.
     */
    cloudOwnership: z
      .strictObject({
        /** Names of the clouds the controller's other CASC_JENKINS_CONFIG sources declare (not Dockyard's documents). */
        otherSources: z.array(z.string().min(1)).default([]),
        /**
         * Acknowledges a deliberate takeover: reload even when clouds no CasC source declares would vanish,
         * and without reading the clouds first when only a reload token is configured. Duplicates are still refused.
         */
        takeOver: z.boolean().default(false),
      })
      .prefault({}),
  })
  .superRefine((controller, ctx) => {
    const url = new URL(controller.url);
    if (url.protocol === 'https:') return;
    if (!controller.allowInsecureHttp) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'must use https: Dockyard sends Jenkins credentials to it (allowInsecureHttp: true allows http on loopback, for testing)' });
    } else if (!isLoopbackHost(url.hostname)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'may use http only on a loopback address (127.0.0.1, ::1, localhost); use https' });
    }
  });

/** `owner/repo`, where `*` matches any run of characters within one part. */
const repositoryPattern = z
  .string()
  .regex(/^[A-Za-z0-9*_.-]+\/[A-Za-z0-9*_.-]+$/, 'must be "owner/repo", with `*` for any characters within a part, e.g. "example-org/agents-*"');

const namespace = z
  .string()
  .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, 'must be lower-case path components such as "jenkins-agents"');

/** Which repositories may publish where, and which controllers they may register in. */
const grantSchema = z.strictObject({
  /** Repositories this grant is for: `owner/repo`, with `*` globs, e.g. `example-org/agents-*`. */
  repositories: z.array(repositoryPattern).min(1),
  /** Name of the registry (under `registries`) they may publish to. */
  registry: settingName,
  /** Namespace in that registry: the repository's `prefix` must be this or lie under it (`<prefix>/…`). */
  prefix: namespace,
  /**
   * Take over existing ECR repositories in the namespace that carry no Dockyard catalog tag (made by hand
   * before Dockyard), tagging them as this catalog's. Off, such repositories are refused, never written.
   */
  adopt: z.boolean().default(false),
  /** Names of the Jenkins controllers (under `jenkins`) they may register agent templates in. */
  jenkins: z.array(settingName).default([]),
});

const egressHost = z
  .string()
  .regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d+)?$/, 'must be a host such as "github.com" or "*.example.com"');

/** Limits every build runs under; enforced by the build adapter (src/adapters/docker/build-image.ts). */
const buildLimitsSchema = z.strictObject({
  /** Longest one image build may take, in seconds; the build is cancelled and reported as timed out. */
  timeoutSeconds: z.int().positive().default(1800),
  /**
   * Memory one build may use, in MiB. BuildKit in Docker Engine 20.10 ignores the build API's limits:
   * cap all builds together on the engine host (scripts/build-egress-firewall.sh --memory-mib).
   */
  memoryMiB: z.int().positive().default(4096),
  /** CPUs one build may use (fractions allowed); like memoryMiB, capped on the engine host. */
  cpus: z.number().positive().default(2),
  /** Largest build context (the image folder as sent) in MiB. */
  maxContextMiB: z.int().positive().default(100),
  /** Most build output (progress and logs) one build may print, in MiB; the build is cancelled beyond it. */
  maxOutputMiB: z.int().positive().default(50),
  /**
   * Network of RUN steps: `default`, the engine's bridge, which must carry the build firewall
   * (scripts/build-egress-firewall.sh; Dockyard probes it and builds nothing without it), or `none`.
   */
  network: z.enum(['default', 'none']).default('default'),
  /** Where builds may connect; nothing else is reachable from a build. */
  egress: z
    .strictObject({
      /** Hosts `ADD <url>` may fetch from (`*.` prefix for subdomains); never loopback, link-local or private addresses. */
      addHosts: z.array(egressHost.refine((host) => forbiddenHost(host.replace(/:\d+$/, '')) === undefined, 'must not be a loopback, link-local or private address: the engine fetches ADD sources from its own host')).default([]),
      /** Networks (CIDR) builds may reach, e.g. a package mirror's `10.20.0.0/16`; applied by the engine host's firewall. */
      cidrs: z.array(z.union([z.cidrv4(), z.cidrv6()], { error: 'must be a CIDR such as "10.20.0.0/16"' })).default([]),
      /** Image (with bash and timeout) the egress probe runs in; default: the images each build uses. */
      probeImage: z.string().min(1).optional(),
    })
    .prefault({}),
});

/** The operator's file (named by DOCKYARD_OPERATOR_CONFIG): everything a repository may only choose among. */
export const operatorSettingsSchema = z
  .strictObject({
    /** Registries by name. */
    registries: z.record(settingName, registrySchema).default({}),
    /** Jenkins controllers by name. */
    jenkins: z.record(settingName, controllerSchema).default({}),
    /** Which repository may publish to which namespace and register in which controller. */
    grants: z.array(grantSchema).default([]),
    /** Build limits and allowed egress. */
    build: buildLimitsSchema.prefault({}),
    /**
     * The job queue. `concurrency`: how many jobs of different repositories run side by side (default 2);
     * one repository's jobs always run one at a time, in order, so a stuck build holds up only its own.
     */
    jobs: z.strictObject({ concurrency: z.int().min(1).max(64).default(2) }).optional(),
  })
  .superRefine((settings, ctx) => {
    settings.grants.forEach((grant, index) => {
      if (!(grant.registry in settings.registries)) {
        ctx.addIssue({ code: 'custom', path: ['grants', index, 'registry'], message: `names no registry under registries (defined: ${Object.keys(settings.registries).join(', ') || 'none'})` });
      }
      grant.jenkins.forEach((name, position) => {
        if (!(name in settings.jenkins)) {
          ctx.addIssue({ code: 'custom', path: ['grants', index, 'jenkins', position], message: `names no controller under jenkins (defined: ${Object.keys(settings.jenkins).join(', ') || 'none'})` });
        }
      });
    });
  });

export type OperatorSettings = z.infer<typeof operatorSettingsSchema>;
export type OperatorRegistry = OperatorSettings['registries'][string];
export type JenkinsController = OperatorSettings['jenkins'][string];
export type Grant = OperatorSettings['grants'][number];
export type BuildLimits = OperatorSettings['build'];
