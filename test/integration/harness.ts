import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import nock from 'nock';
import { afterAll, beforeAll } from 'vitest';
import pino from 'pino';
import type { ApplicationFunctionOptions, Probot } from 'probot';
import { testProbot } from '../mocks/test-probot.ts';

type Handler = Parameters<ApplicationFunctionOptions['addHandler']>[0];
import * as tar from 'tar';
import { readAppEnv } from '../../src/config/app-env.ts';
import { parseOperatorSettings } from '../../src/config/read-operator-settings.ts';
import { wireServices, type Services } from '../../src/app/services.ts';
import { createDockyard } from '../../src/index.ts';
import type { JobQueueOptions } from '../../src/jobs/job-queue.ts';
import { ecrError, mockEcr } from '../adapters/ecr/ecr-mock.ts';
import { ciRegistry, type CiRegistry } from '../adapters/registry/ci-registry.ts';
import { loadTrivyFixture } from '../adapters/trivy/trivy-fixture.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { api, mockInstallationToken } from '../mocks/github-api.ts';
import { payload } from '../mocks/webhook-payload.ts';

export { payload };

const stateDir = process.env['DOCKYARD_CI_STATE'] || '/tmp/dockyard-ci';

/** Real Docker, registry and Trivy; GitHub through nock; ECR's control plane through aws-sdk-client-mock. */
export interface Harness {
  probot: Probot;
  services: Services;
  ci: CiRegistry;
  ecr: ReturnType<typeof mockEcr>;
  github: nock.Scope;
  /** A unique repository prefix, so each run publishes into fresh repositories. */
  prefix: string;
  /** The stand-in for docker.io/jenkins/inbound-agent, by tag and digest, reached through the mirror. */
  upstream: string;
  unmatched: string[];
  /** Where the app's HTTP routes answer. */
  appUrl: string;
  close(): Promise<void>;
}

/** Starts everything an end-to-end test needs; fails (never skips) when a real part cannot start. */
export interface HarnessOptions {
  /** The app's environment for secrets the repository config names (Jenkins tokens). */
  processEnv?: NodeJS.ProcessEnv;
  /** Job queue retry timing. */
  queueOptions?: JobQueueOptions;
  /** Jenkins controllers the operator defines (name → URL on loopback), granted to the test repository. */
  jenkinsControllers?: Record<string, string>;
  /** Repositories granted the run's namespace (`owner/repo`); Codertocat/Hello-World by default. */
  repositories?: string[];
  /** The operator's build time limit (`build.timeoutSeconds`); the default when absent. */
  buildTimeoutSeconds?: number;
}

/**
 * The operator's settings for a run: the CI registry as `main`, its namespace granted to the test
 * repository, and the given Jenkins controllers (API token from JENKINS_API_TOKEN, served documents).
 */
function operatorSettings(registry: string, prefix: string, controllers: Record<string, string>, options: HarnessOptions = {}) {
  const names = Object.keys(controllers);
  return parseOperatorSettings(
    [
      'registries:',
      `  main: { host: "${registry}" }`,
      'jenkins:',
      ...(names.length === 0 ? ['  {}'] : []),
      ...Object.entries(controllers).flatMap(([name, url]) => [
        `  ${name}:`,
        `    url: ${url}`,
        '    allowInsecureHttp: true',
        '    auth: { user: dockyard, apiTokenEnv: JENKINS_API_TOKEN }',
        '    delivery: { serve: { enabled: true } }',
      ]),
      'grants:',
      `  - repositories: [${(options.repositories ?? ['Codertocat/Hello-World']).join(', ')}]`,
      '    registry: main',
      `    prefix: ${prefix}`,
      `    jenkins: [${names.join(', ')}]`,
      ...(options.buildTimeoutSeconds === undefined ? [] : ['build:', `  timeoutSeconds: ${options.buildTimeoutSeconds}`]),
      '',
    ].join('\n'),
    'operator.yml',
  );
}

/**
 * The harness of the tests in the file it is called in: started before them (when the real parts
 * can start, which may take minutes) and closed after them. The returned function gives it to a test.
 */
export function useHarness(options: HarnessOptions = {}): () => Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness(options);
  }, 600_000);
  afterAll(async () => {
    await harness?.close();
  });
  return () => {
    if (!harness) throw new Error('the harness starts in beforeAll');
    return harness;
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  process.env['DOCKYARD_HADOLINT'] = hadolintBinary();
  const [ci, trivy] = await Promise.all([ciRegistry(), loadTrivyFixture()]);
  const images = Object.fromEntries(
    (await import('node:fs')).readFileSync(path.join(stateDir, 'images.env'), 'utf8')
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
      .filter((match) => match !== null)
      .map((match) => [match[1], (match[2] ?? '').replace(/^"(.*)"$/, '$1')]),
  ) as Record<string, string>;
  const standinDigest = images['DOCKYARD_STANDIN_DIGEST'];
  if (!standinDigest) throw new Error(`${stateDir}/images.env has no DOCKYARD_STANDIN_DIGEST; run bash scripts/ci/make-root-image.sh`);
  process.env['DOCKYARD_TRIVY'] = trivy.binary;

  const work = await mkdtemp(path.join(tmpdir(), 'dockyard-e2e-'));
  const env = readAppEnv({
    DOCKYARD_STATE_DIR: path.join(work, 'state'),
    DOCKYARD_MIRRORS: `docker.io=${ci.host}/mirror`,
    DOCKYARD_TRIVY_CACHE: path.join(stateDir, 'trivy-cache'),
    DOCKYARD_TRIVY_OFFLINE: 'true',
  });
  const ecr = mockEcr();
  ecr.mock.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [
      {
        authorizationToken: Buffer.from(`AWS:${ci.password}`).toString('base64'),
        proxyEndpoint: ci.url,
        expiresAt: new Date(Date.now() + 12 * 3600_000),
      },
    ],
  });
  ecr.mock.on(DescribeRepositoriesCommand).rejects(ecrError('RepositoryNotFoundException', 400));
  ecr.mock.on(CreateRepositoryCommand).resolves({});
  ecr.mock.on(PutLifecyclePolicyCommand).resolves({});

  const probot = testProbot(pino({ level: process.env['DOCKYARD_TEST_LOG'] ?? 'silent' }));
  const prefix = `e2e${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}/agents`;
  const services = wireServices(probot, {
    env,
    docker: ci.docker,
    ecr: ecr.client,
    operator: operatorSettings(ci.host, prefix, options.jenkinsControllers ?? {}, options),
    ...(options.processEnv ? { processEnv: options.processEnv } : {}),
    ...(options.queueOptions ? { queueOptions: options.queueOptions } : {}),
  });
  // The app's HTTP routes (the JCasC documents it serves), on a server of the test's own.
  const handlers: Handler[] = [];
  await probot.load(createDockyard(services), { cwd: process.cwd(), addHandler: (handler) => void handlers.push(handler) });
  const server = createServer(async (request, response) => {
    for (const handler of handlers) if (await handler(request, response)) return;
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  nock.disableNetConnect();
  nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost'));
  const unmatched: string[] = [];
  const onNoMatch = (request: { method?: string; path?: string; hostname?: string }) => {
    if (request.hostname === 'api.github.com') unmatched.push(`${request.method} ${request.path}`);
  };
  nock.emitter.on('no match', onNoMatch);
  return {
    probot,
    services,
    ci,
    ecr,
    github: nock(api),
    prefix,
    upstream: `docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21@${standinDigest}`,
    unmatched,
    appUrl,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      nock.emitter.removeListener('no match', onNoMatch);
      services.queue.stop();
      services.store.close();
      nock.cleanAll();
      nock.enableNetConnect();
      await rm(work, { recursive: true, force: true });
    },
  };
}

function gitSha(kind: string, content: string | Buffer): string {
  const bytes = Buffer.from(content);
  return createHash('sha1').update(`${kind} ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * A repository at one commit, served the way GitHub's API serves it: the catalog through the Git
 * data API (trees with content-derived shas, blobs) and the whole commit as a tarball.
 */
export class FakeRepository {
  readonly files: Record<string, string>;
  readonly sha: string;
  /** The repository's `owner/repo`. */
  readonly fullName: string;
  /** Its API path, `/repos/<owner>/<repo>`. */
  readonly path: string;

  constructor(sha: string, files: Record<string, string>, fullName = 'Codertocat/Hello-World') {
    this.sha = sha;
    this.files = files;
    this.fullName = fullName;
    this.path = `/repos/${fullName}`;
  }

  /** Mocks what reading the catalog at this commit requests: root tree, catalog tree, blobs. */
  mockCatalog(scope: nock.Scope, catalog = 'images'): void {
    const inCatalog = Object.entries(this.files).filter(([file]) => file.startsWith(`${catalog}/`));
    const folders = new Map<string, [string, string][]>();
    for (const [file, content] of inCatalog) {
      const [folder = '', ...rest] = file.slice(catalog.length + 1).split('/');
      folders.set(folder, [...(folders.get(folder) ?? []), [rest.join('/'), content]]);
    }
    const catalogTree = `tree-${gitSha('tree', JSON.stringify(inCatalog))}`;
    scope.get(`${this.path}/git/trees/${this.sha}`).reply(200, {
      sha: this.sha,
      truncated: false,
      tree: [{ path: catalog, mode: '040000', type: 'tree', sha: catalogTree }],
    });
    const entries: object[] = [];
    for (const [folder, files] of [...folders].sort()) {
      entries.push({ path: folder, mode: '040000', type: 'tree', sha: gitSha('tree', JSON.stringify(files)) });
      for (const [name, content] of files) {
        const sha = gitSha('blob', content);
        entries.push({ path: `${folder}/${name}`, mode: '100644', type: 'blob', sha });
        if (name === 'Dockerfile' || name === 'image.yml') {
          scope.get(`${this.path}/git/blobs/${sha}`).reply(200, { sha, encoding: 'base64', content: Buffer.from(content).toString('base64') });
        }
      }
    }
    scope.get(`${this.path}/git/trees/${catalogTree}`).query({ recursive: 'true' }).reply(200, { sha: catalogTree, truncated: false, tree: entries });
  }

  /** Mocks the tarball download of this commit, laid out as GitHub's archives are. */
  async mockTarball(scope: nock.Scope): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), 'dockyard-tarball-'));
    try {
      const top = `${this.fullName.replace('/', '-')}-${this.sha.slice(0, 7)}`;
      for (const [file, content] of Object.entries(this.files)) {
        await mkdir(path.dirname(path.join(dir, top, file)), { recursive: true });
        await writeFile(path.join(dir, top, file), content);
      }
      const chunks: Buffer[] = [];
      const stream = tar.c({ gzip: true, cwd: dir, portable: true }, [top]);
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
      scope.get(`${this.path}/tarball/${this.sha}`).reply(200, Buffer.concat(chunks), { 'content-type': 'application/x-gzip' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** Records JSON bodies sent to one endpoint. */
export function capture<T>(bodies: T[]) {
  return (body: T | string) => {
    // nock also offers bodiless requests on the same path to the matcher; they are not ours.
    if (body === '') return false;
    bodies.push(body as T);
    return true;
  };
}

/**
 * Records the JSON body of the request `interceptor` answers. Unlike `capture`, it sees only that request:
 * nock offers every request to every body matcher of the host, so a matcher would also record the requests
 * of another repository's mocks, pending at the same time.
 */
function answered<T>(scope: nock.Scope, interceptor: nock.Interceptor, bodies: T[]): nock.Interceptor {
  const listener = (_request: unknown, matched: unknown, body: string) => {
    if (matched !== interceptor) return;
    bodies.push(JSON.parse(body) as T);
    scope.removeListener('request', listener);
  };
  scope.on('request', listener);
  return interceptor;
}

/** The file content GitHub's contents API returns. */
export function contents(text: string) {
  return { type: 'file', encoding: 'base64', content: Buffer.from(text).toString('base64') };
}

/** The `before` of a push that creates the branch. */
export const zero = '0'.repeat(40);

/** GitHub's compare answer (`GET /repos/{owner}/{repo}/compare/{base}...{head}`): how head relates to base. */
export function compareAnswer(status: 'ahead' | 'behind' | 'identical' | 'diverged', aheadBy: number, behindBy: number, files: { filename: string; status: string }[] = []) {
  return { status, ahead_by: aheadBy, behind_by: behindBy, total_commits: aheadBy, files };
}

/** The history questions one publish asks besides its own push's comparison, which always answers `ahead`. */
export interface PublishHistory {
  /**
   * Whether an image's `latest` is about to be decided, which asks where the commit stands on the default
   * branch (`master`, the head here unless `branch` says otherwise). False when nothing reaches a push.
   */
  decides?: boolean;
  /** The commit's place on the branch: `identical` (it is the head) unless given. */
  branch?: ReturnType<typeof compareAnswer>;
  /** Further comparisons, by `base...head`: a published state from a commit other than the push's `before`. */
  compare?: Record<string, ReturnType<typeof compareAnswer>>;
}

/** Mocks every GitHub request of publishing one commit and returns what the test asserts on. */
export async function mockPublishRequests(h: Harness, repo: FakeRepository, before: string, files: { filename: string; status: string }[] | 'none', history: PublishHistory = {}) {
  // Each phase asserts its own requests: forget the blobs read before, so every one is read again.
  h.services.store.blobs.forgetBlobs();
  const repoPath = repo.path;
  if (before === zero) mockInstallationToken(h.github);
  h.github.get(`${repoPath}/contents/.github%2Fdockyard.yml`).query({ ref: repo.sha }).reply(200, contents(repo.files['.github/dockyard.yml'] ?? ''));
  if (files !== 'none') h.github.get(`${repoPath}/compare/${before}...${repo.sha}`).query({ per_page: 100 }).reply(200, compareAnswer('ahead', 1, 0, files));
  if (history.decides ?? true) {
    h.github.get(`${repoPath}/compare/${repo.sha}...master`).query({ per_page: 100 }).reply(200, history.branch ?? compareAnswer('identical', 0, 0));
  }
  for (const [basehead, answer] of Object.entries(history.compare ?? {})) {
    h.github.get(`${repoPath}/compare/${basehead}`).query({ per_page: 100 }).reply(200, answer);
  }
  repo.mockCatalog(h.github);
  const checkRuns: unknown[] = [];
  answered(h.github, h.github.post(`${repoPath}/check-runs`), checkRuns).reply(201, { id: 77, html_url: `https://github.com/${repo.fullName}/runs/77` });
  h.github.get(`${repoPath}/contents/.trivyignore`).query({ ref: repo.sha }).reply(200, contents(repo.files['.trivyignore'] ?? ''));
  // Publishing lints with the hadolint config of the commit it publishes: .hadolint.yaml, else .hadolint.yml.
  const hadolintConfig = repo.files['.hadolint.yaml'];
  if (hadolintConfig !== undefined) h.github.get(`${repoPath}/contents/.hadolint.yaml`).query({ ref: repo.sha }).reply(200, contents(hadolintConfig));
  for (const file of hadolintConfig === undefined ? ['.hadolint.yaml', '.hadolint.yml'] : []) {
    h.github.get(`${repoPath}/contents/${file}`).query({ ref: repo.sha }).reply(404, { message: 'Not Found' });
  }
  await repo.mockTarball(h.github);
  const updates: { conclusion: string; output: { title: string; summary: string } }[] = [];
  answered(h.github, h.github.patch(`${repoPath}/check-runs/77`), updates).reply(200, {});
  h.github.get(`${repoPath}/commits/${repo.sha}/pulls`).reply(200, [{ number: 2, merged_at: '2026-11-29T05:00:00Z' }]);
  h.github.get(`${repoPath}/issues/2/comments`).query({ per_page: 100 }).reply(200, []);
  const comments: { body: string }[] = [];
  answered(h.github, h.github.post(`${repoPath}/issues/2/comments`), comments).reply(201, { id: 5 });
  return { checkRuns, updates, comments };
}

/** A real push payload to the default branch, moved to the given commits. */
export function pushEvent(before: string, after: string, fullName = 'Codertocat/Hello-World') {
  type Push = Record<string, unknown> & { before: string; after: string; head_commit: { timestamp: string }; repository: { name: string; owner: { login: string; name: string } } };
  const example = payload<Push>('push', undefined, (candidate) => candidate['ref'] === 'refs/heads/master');
  // Another repository: its name in every address of the payload, and as the repository's owner and name.
  const event = JSON.parse(JSON.stringify(example).replaceAll('Codertocat/Hello-World', fullName)) as Push;
  const [owner = '', name = ''] = fullName.split('/');
  if (fullName !== 'Codertocat/Hello-World') {
    event.repository.name = name;
    event.repository.owner = { ...event.repository.owner, login: owner, name: owner };
  }
  event.before = before;
  event.after = after;
  event.head_commit.timestamp = '2026-11-29T05:00:00Z';
  return event;
}


/**
 * `.github/dockyard.yml` for a test repository: this run's registry and prefix, the inbound-agent
 * stand-in approved with a digest pin, then any further lines.
 */
export function testConfig(h: Harness, ...more: string[]): string {
  return [
    'catalog: images',
    `registry: ${h.ci.host}`,
    `prefix: ${h.prefix}`,
    'parents:',
    '  approved:',
    '    - pattern: docker.io/jenkins/inbound-agent',
    '      requireDigest: true',
    ...more,
    '',
  ].join('\n');
}
