import path from 'node:path';
import Dockerode from 'dockerode';
import type { Probot } from 'probot';
import { buildImage } from '../adapters/docker/build-image.ts';
import { buildLimitsFrom } from '../adapters/docker/build-limits.ts';
import { detectFrontend } from '../adapters/docker/detect-frontend.ts';
import { hasImage, pullImage, tagImage, untagImage } from '../adapters/docker/image-store.ts';
import { createEcrClient } from '../adapters/ecr/create-ecr-client.ts';
import { ensureRepository } from '../adapters/ecr/ensure-repository.ts';
import { getRegistryAuth } from '../adapters/ecr/registry-auth.ts';
import type { RepositorySettings } from '../adapters/ecr/repository-settings.ts';
import { publishTag } from '../adapters/registry/publish-tag.ts';
import { pushImage } from '../adapters/registry/push-image.ts';
import { StateStore } from '../adapters/state/state-store.ts';
import { scanImage } from '../adapters/trivy/run-trivy.ts';
import { setDocsUrl } from '../domain/report/links.ts';
import { readAppEnv, type AppEnv } from '../config/app-env.ts';
import type { OperatorRegistry, OperatorSettings } from '../config/operator-schema.ts';
import { readOperatorSettings } from '../config/read-operator-settings.ts';
import type { PublishTarget } from '../config/resolve-grants.ts';
import type { BuildPorts } from '../jobs/build-ports.ts';
import type { PullRequestBuildDeps } from '../jobs/check-pull-request.ts';
import { JobQueue, type JobQueueOptions } from '../jobs/job-queue.ts';
import { publishCommit, type PublishJob } from '../jobs/publish-commit.ts';
import type { PublishPorts, PushAuth } from '../jobs/publish-ports.ts';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { GitHubClient } from '../adapters/github/github-client.ts';
import { PullRequestChecks } from '../jobs/pr-check-job.ts';
import { registerJenkins, type RegisterJob } from '../jobs/register-jenkins.ts';
import { readTag } from '../adapters/registry/read-manifest.ts';
import { tagManifest } from '../adapters/registry/tag-manifest.ts';
import { readTrivyDatabase } from '../adapters/trivy/trivy-database.ts';
import { publishJobKind, registerJobKey, registerJobKind, rollbackRegisterJobKey } from '../jobs/job-keys.ts';
import { rollbackImage, rollbackJobKind, type RollbackJob, type RollbackPorts } from '../jobs/rollback-image.ts';
import type { ReadinessProbes } from '../server/health.ts';
import { DockyardMetrics } from '../server/metrics.ts';

export { registerJobKind } from '../jobs/job-keys.ts';

/** Everything the handlers use beyond GitHub: state, the job queue, and building. */
export interface Services {
  store: StateStore;
  queue: JobQueue;
  /** Absent when the app runs without a Docker engine: pull requests then get policy and lint only. */
  builds?: PullRequestBuildDeps;
  /** The app's Prometheus metrics; made over the store when absent. */
  metrics?: DockyardMetrics;
  /** What `/readyz` asks; only the state store when absent. */
  readiness?: ReadinessProbes;
  /** The operator's settings: pull request checks resolve a repository's registry through its grants. */
  operator?: OperatorSettings;
}

/** The outside systems the services talk to; real ones from the environment, or test doubles. */
export interface Engines {
  env: AppEnv;
  /** Where the secrets the operator's settings name (Jenkins tokens) are looked up; the process's by default. */
  processEnv?: NodeJS.ProcessEnv;
  /** The operator's settings; absent, Dockyard checks pull requests but publishes and registers nowhere. */
  operator?: OperatorSettings;
  /** The ECR client for one of the operator's registries; `ecr` for all of them when absent. */
  ecrFor?: (registry: OperatorRegistry) => ECRClient;
  /** Retry timing of the job queue; tests shorten it. */
  queueOptions?: JobQueueOptions;
  docker: Dockerode;
  ecr: ECRClient;
}

/**
 * Creates the services from the app's environment and the operator's settings (read here, once): Docker
 * from DOCKER_HOST, ECR from the AWS SDK's chain, one client per registry region. Throws a ConfigError
 * for an invalid operator file, so the app does not start.
 */
export function createServices(app: Probot): Services {
  const env = readAppEnv();
  setDocsUrl(env.DOCKYARD_DOCS_URL);
  const operator = readOperatorSettings(env.DOCKYARD_OPERATOR_CONFIG);
  const endpoint = env.DOCKYARD_ECR_ENDPOINT ? { endpoint: env.DOCKYARD_ECR_ENDPOINT } : {};
  const ecr = createEcrClient(endpoint);
  const clients = new Map<string, ECRClient>();
  const ecrFor = (registry: OperatorRegistry): ECRClient => {
    const region = registry.region ?? '';
    if (!clients.has(region)) clients.set(region, region === '' ? ecr : createEcrClient({ ...endpoint, region }));
    return clients.get(region) as ECRClient;
  };
  return wireServices(app, { env, docker: new Dockerode(), ecr, ecrFor, ...(operator ? { operator } : {}) });
}

/** Wires services over given engines; tests call it with a real Docker and a mocked ECR. */
export function wireServices(app: Probot, engines: Engines): Services {
  const { env, ecr } = engines;
  const store = new StateStore(path.join(env.DOCKYARD_STATE_DIR, 'dockyard.sqlite'));
  const metrics = new DockyardMetrics(store);
  const build = buildPorts(engines, metrics);
  const auth = async (installationId: number): Promise<GitHubClient> => metrics.watchRateLimit((await app.auth(installationId)) as GitHubClient, installationId);
  const registryAuth = async (registry?: OperatorRegistry): Promise<PushAuth> => {
    const auth = await getRegistryAuth(registry ? (engines.ecrFor?.(registry) ?? ecr) : ecr);
    return { registry: auth.registry, endpoint: auth.endpoint, username: auth.username, password: auth.password };
  };
  const queue: JobQueue = new JobQueue(
    store,
    {
      [publishJobKind]: async (payload, _record, signal) => {
        const job = payload as PublishJob & { installationId: number };
        const octokit = await auth(job.installationId);
        const log = app.log.child({ job: `publish:${job.owner}/${job.repo}@${job.after.slice(0, 7)}` });
        const outcome = await publishCommit({ octokit, log, store, mirrors: env.DOCKYARD_MIRRORS, build, operator: engines.operator, publish: (target, settings) => publishPorts(engines, target, settings, metrics), signal }, job);
        if (outcome.registryChanged) {
          const register: RegisterJob = { owner: job.owner, repo: job.repo, commit: job.after, installationId: job.installationId };
          queue.enqueue(registerJobKind, registerJobKey(`${job.owner}/${job.repo}`, job.after), register, `${job.owner}/${job.repo}`);
        }
      },
      [registerJobKind]: async (payload, _record, signal) => {
        const job = payload as RegisterJob;
        const octokit = await auth(job.installationId);
        const log = app.log.child({ job: `register:${job.owner}/${job.repo}@${job.commit.slice(0, 7)}` });
        // Jenkins requests end when the job is aborted (its time limit, or the queue stopping).
        const bound: typeof fetch = (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
        await registerJenkins({ octokit, log, store, env: engines.processEnv ?? process.env, operator: engines.operator, fetch: bound }, job);
      },
      [rollbackJobKind]: async (payload, record) => {
        const job = payload as RollbackJob;
        const octokit = await auth(job.installationId);
        const log = app.log.child({ job: record.key });
        const outcome = await rollbackImage({ octokit, log, store, operator: engines.operator, ports: (target) => rollbackPorts(engines, target, metrics) }, job, record.key);
        if (outcome.status === 'rolled-back') {
          // A key of its own: the head's own registration may have run already, and this one must run now.
          const register: RegisterJob = { owner: job.owner, repo: job.repo, commit: outcome.head, installationId: job.installationId };
          queue.enqueue(registerJobKind, rollbackRegisterJobKey(`${job.owner}/${job.repo}`, outcome.head, record.key), register, `${job.owner}/${job.repo}`);
        }
      },
    },
    app.log.child({ name: 'jobs' }),
    { observer: metrics.jobObserver, ...(engines.operator?.jobs ? { concurrency: engines.operator.jobs.concurrency } : {}), ...engines.queueOptions },
  );
  const readiness: ReadinessProbes = {
    state: () => store.assertReadable(),
    docker: () => engines.docker.ping(),
    trivy: () => readTrivyDatabase(env.DOCKYARD_TRIVY_CACHE, new Date()),
    trivyOffline: env.DOCKYARD_TRIVY_OFFLINE,
  };
  return { store, queue, metrics, readiness, builds: { store, mirrors: env.DOCKYARD_MIRRORS, ports: build, registryAuth }, ...(engines.operator ? { operator: engines.operator } : {}) };
}

/**
 * The pull request checks over the services: their job handler is added to the queue, and the webhook
 * handler records checks through them.
 */
export function wirePullRequestChecks(app: Probot, services: Services): PullRequestChecks {
  return new PullRequestChecks({
    store: services.store,
    queue: services.queue,
    auth: async (installationId) => (await app.auth(installationId)) as GitHubClient,
    log: app.log.child({ name: 'pr-checks' }),
    ...(services.builds ? { builds: services.builds } : {}),
    ...(services.operator ? { operator: services.operator } : {}),
  });
}

function buildPorts({ env, docker, operator }: Engines, metrics: DockyardMetrics): BuildPorts {
  // Every build runs under the operator's limits and egress rules (their defaults without a file).
  const limits = buildLimitsFrom(operator?.build);
  const trivy = {
    cacheDir: env.DOCKYARD_TRIVY_CACHE,
    offline: env.DOCKYARD_TRIVY_OFFLINE,
    timeoutMs: env.DOCKYARD_TRIVY_TIMEOUT_SECONDS * 1000,
    ...(env.DOCKYARD_TRIVY_DB_REPOSITORY ? { dbRepository: env.DOCKYARD_TRIVY_DB_REPOSITORY } : {}),
  };
  return {
    buildImage: (request) => metrics.timeBuild(() => buildImage(docker, { ...request, limits })),
    engineFrontend: () => detectFrontend(docker),
    tagImage: (image, reference) => tagImage(docker, image, reference),
    untagImage: (reference) => untagImage(docker, reference),
    pullImage: (reference, credentials) => pullImage(docker, reference, credentials),
    hasImage: (image) => hasImage(docker, image),
    scanImage: (request) => scanImage(request, trivy),
  };
}

function publishPorts({ docker, ecr, ecrFor }: Engines, target: PublishTarget, settings: RepositorySettings, metrics: DockyardMetrics): PublishPorts {
  const client = ecrFor?.(target.registry) ?? ecr;
  return {
    ensureRepository: (name) => ensureRepository(client, name, settings, { catalog: target.catalog, adopt: target.adopt }),
    registryAuth: () => pushAuth(client),
    publishTag: (imageId, repository, tag, auth) =>
      metrics.timePush('immutable', () => publishTag({ docker, endpoint: auth.endpoint, auth, repository, tag, localImage: imageId })),
    pushMovingTag: (imageId, repository, tag, auth) => metrics.timePush('moving', () => pushImage(docker, imageId, `${auth.registry}/${repository}`, tag, auth)),
  };
}

function rollbackPorts({ ecr, ecrFor }: Engines, target: PublishTarget, metrics: DockyardMetrics): RollbackPorts {
  const client = ecrFor?.(target.registry) ?? ecr;
  return {
    registryAuth: () => pushAuth(client),
    readTag: (repository, tag, auth) => readTag(auth.endpoint, auth, repository, tag),
    tagManifest: (repository, digest, tag, auth) => metrics.timePush('retag', () => tagManifest(auth.endpoint, auth, repository, digest, tag)),
  };
}

async function pushAuth(client: ECRClient): Promise<PushAuth> {
  const auth = await getRegistryAuth(client);
  return { registry: auth.registry, endpoint: auth.endpoint, username: auth.username, password: auth.password };
}
