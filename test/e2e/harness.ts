import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ciRegistry, type CiRegistry } from '../adapters/registry/ci-registry.ts';
import { hadolintBinary } from '../adapters/hadolint/hadolint-binary.ts';
import { loadTrivyFixture } from '../adapters/trivy/trivy-fixture.ts';
import { start as startJenkins, type JenkinsSim } from '../jenkins-sim/jenkins-sim.ts';
import { startApp, type AppProcess } from './app-process.ts';
import { deliver, type DeliveryAnswer } from './deliver.ts';
import { startEcrFront, type EcrFront } from './ecr-front.ts';
import { FakeGitHub, type FakeRepo } from './fake-github/fake-github.ts';
import { grantedDockyardYml } from '../mocks/repository-fixtures.ts';

const run = promisify(execFile);
const stateDir = process.env['DOCKYARD_CI_STATE'] || '/tmp/dockyard-ci';

/** Everything one end-to-end suite runs against, and the app as a process in the middle of it. */
export interface E2e {
  github: FakeGitHub;
  repo: FakeRepo;
  app: AppProcess;
  ecr: EcrFront;
  jenkins: JenkinsSim | undefined;
  /** CASC_JENKINS_CONFIG of the simulated controller: what it reads on each reload. */
  jenkinsSources: { urls: { url: string }[] };
  registry: CiRegistry;
  /** This run's namespace in the registry, granted to the repository. */
  prefix: string;
  /** docker.io/jenkins/inbound-agent pinned to the stand-in's digest (reached through the registry mirror). */
  upstream: string;
  secret: string;
  /** The secrets the app holds, installation tokens included; none may appear in anything it writes. */
  secrets(): string[];
  /** Signs and delivers one webhook. */
  send(event: string, payload: unknown, id?: string): Promise<DeliveryAnswer>;
  close(): Promise<void>;
}

export interface E2eOptions {
  /** Start a simulated Jenkins controller `main` and grant it to the repository. */
  jenkins?: boolean;
  /** More of the app's environment, over the defaults. */
  env?: Record<string, string>;
}

const jenkinsToken = `jenkins-token-${randomBytes(8).toString('hex')}`;

function readEnvFile(file: string): Record<string, string> {
  const text = readFileSync(path.join(stateDir, file), 'utf8');
  return Object.fromEntries(text.split('\n').flatMap((line) => {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    return match ? [[match[1] ?? '', (match[2] ?? '').replace(/^"(.*)"$/, '$1')]] : [];
  }));
}

function operatorSettings(registryHost: string, repo: string, prefix: string, jenkinsUrl: string | undefined): string {
  return [
    'registries:',
    `  main: { host: "${registryHost}" }`,
    'jenkins:',
    ...(jenkinsUrl
      ? [
          '  main:',
          `    url: ${jenkinsUrl}`,
          '    allowInsecureHttp: true',
          '    auth: { user: dockyard, apiTokenEnv: JENKINS_API_TOKEN }',
          '    delivery: { serve: { enabled: true } }',
        ]
      : ['  {}']),
    'grants:',
    `  - repositories: [${repo}]`,
    '    registry: main',
    `    prefix: ${prefix}`,
    `    jenkins: [${jenkinsUrl ? 'main' : ''}]`,
    '',
  ].join('\n');
}

/**
 * Starts the fake GitHub with one repository, the ECR front on moto, optionally the Jenkins simulator, and
 * the app as a process configured as an operator would: env vars from .env.example, an operator settings
 * file, a private key file. Fails, never skips, when a real part is missing.
 */
export async function startE2e(options: E2eOptions = {}): Promise<E2e> {
  const [registry, trivy] = await Promise.all([ciRegistry(), loadTrivyFixture()]);
  const images = readEnvFile('images.env');
  const standinDigest = images['DOCKYARD_STANDIN_DIGEST'];
  if (!standinDigest) throw new Error(`${stateDir}/images.env has no DOCKYARD_STANDIN_DIGEST; run bash scripts/ci/make-root-image.sh`);

  const github = new FakeGitHub();
  await github.start();
  const repo = await github.addRepo('dockyard-e2e', 'agents');
  const ecr = await startEcrFront({ url: registry.url, user: registry.user, password: registry.password });
  const jenkinsSources: { urls: { url: string }[] } = { urls: [] };
  const jenkins = options.jenkins ? await startJenkins({ users: { dockyard: jenkinsToken }, sources: jenkinsSources }) : undefined;

  const work = await mkdtemp(path.join(tmpdir(), 'dockyard-e2e-'));
  const prefix = `e2e${Date.now().toString(36)}${randomBytes(2).toString('hex')}/agents`;
  const secret = randomBytes(32).toString('hex');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  await writeFile(path.join(work, 'private-key.pem'), privateKey, { mode: 0o600 });
  await writeFile(path.join(work, 'operator.yml'), operatorSettings(registry.host, repo.fullName, prefix, jenkins?.url));
  const app = await startApp({
    APP_ID: '123',
    PRIVATE_KEY_PATH: path.join(work, 'private-key.pem'),
    WEBHOOK_SECRET: secret,
    NODE_ENV: 'production',
    LOG_LEVEL: process.env['DOCKYARD_E2E_LOG_LEVEL'] ?? 'info',
    LOG_FORMAT: 'json',
    GHE_HOST: github.host,
    GHE_PROTOCOL: 'http',
    DOCKYARD_STATE_DIR: path.join(work, 'state'),
    DOCKYARD_WORK_DIR: path.join(work, 'work'),
    DOCKYARD_OPERATOR_CONFIG: path.join(work, 'operator.yml'),
    DOCKYARD_MIRRORS: `docker.io=${registry.host}/mirror`,
    DOCKYARD_ECR_ENDPOINT: ecr.url,
    DOCKYARD_HADOLINT: hadolintBinary(),
    DOCKYARD_TRIVY: trivy.binary,
    DOCKYARD_TRIVY_CACHE: path.join(stateDir, 'trivy-cache'),
    DOCKYARD_TRIVY_OFFLINE: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAE2ETESTKEY000000',
    AWS_SECRET_ACCESS_KEY: randomBytes(20).toString('hex'),
    JENKINS_API_TOKEN: jenkinsToken,
    ...options.env,
  });
  return {
    github,
    repo,
    app,
    ecr,
    jenkins,
    jenkinsSources,
    registry,
    prefix,
    upstream: `docker.io/jenkins/inbound-agent:3327.v868139a_d00e0-1-jdk21@${standinDigest}`,
    secret,
    secrets: () => [registry.password, jenkinsToken, secret, ...github.tokens],
    send: (event, payload, id) => deliver(app.webhookUrl, secret, event, payload, id),
    async close() {
      await app.stop();
      // The app's log outlives the run, for reading a failure: one file per suite.
      const logDir = path.join(stateDir, 'e2e-logs');
      await mkdir(logDir, { recursive: true });
      await writeFile(path.join(logDir, `${prefix.split('/')[0]}.log`), `${app.lines.join('\n')}\n`);
      await jenkins?.stop();
      await ecr.stop();
      await github.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/**
 * The address a controller reads the repository's agents document for `cloud` from, as the operator gets
 * it: `node src/cli/serve-credential.ts show <owner>/<repo>` on the app's host, with the app's environment.
 */
export async function cascUrl(e2e: E2e, cloud: string): Promise<string> {
  const { stdout } = await run(process.execPath, [path.resolve('src/cli/serve-credential.ts'), 'show', e2e.repo.fullName], { env: e2e.app.env });
  const line = /^main: <app URL>(\S+)\/<cloud>\.yaml$/m.exec(stdout);
  if (!line) throw new Error(`serve-credential printed no capability path for main:\n${stdout}`);
  return `${e2e.app.url}${line[1]}/${cloud}.yaml`;
}

/** `.github/dockyard.yml` for the test repository: the granted registry and prefix, the stand-in approved with a pin. */
export function dockyardConfig(e2e: E2e, ...more: string[]): string {
  return grantedDockyardYml(e2e.prefix, ...more);
}

/** A catalog image FROM another catalog image, through the registry build arg, without a tag. */
export function childDockerfile(e2e: E2e, parent: string, note: string): string {
  return `ARG REGISTRY=registry.example.com\nFROM \${REGISTRY}/${e2e.prefix}/${parent}\nUSER root\nRUN echo "${note}" > /etc/agent-${note.replace(/\W/g, '-')}\nUSER jenkins\n`;
}

/** A root catalog image FROM the pinned inbound-agent stand-in. */
export function rootDockerfile(e2e: E2e, note: string): string {
  return `FROM ${e2e.upstream}\nUSER root\nRUN echo "${note}" > /etc/agent-base\nUSER jenkins\n`;
}
