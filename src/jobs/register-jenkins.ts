import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { completeCheckRun, startCheckRun } from '../adapters/github/check-run.ts';
import { pullRequestsOfCommit } from '../adapters/github/compare-commits.ts';
import type { GitHubClient } from '../adapters/github/github-client.ts';
import { readRepoFile } from '../adapters/github/read-repo-file.ts';
import { upsertStickyComment } from '../adapters/github/sticky-comment.ts';
import { createJenkinsClient, type JenkinsAuth, type JenkinsClient } from '../adapters/jenkins/jenkins-client.ts';
import { JenkinsAuthError, JenkinsRejectedError } from '../adapters/jenkins/jenkins-errors.ts';
import type { StateStore } from '../adapters/state/state-store.ts';
import type { CloudConfig } from '../config/jenkins-schema.ts';
import type { JenkinsController, OperatorSettings } from '../config/operator-schema.ts';
import { parseConfig } from '../config/parse-config.ts';
import { repositoryMatches, resolveGrants } from '../config/resolve-grants.ts';
import { configPath } from '../config/schema.ts';
import { judgeOwnership } from '../domain/jenkins/cloud-ownership.ts';
import type { PublishedImage } from '../domain/jenkins/published-image.ts';
import { renderCasc } from '../domain/jenkins/render-casc.ts';
import { registrationCommentMarker, renderRegistration, type CloudRegistration, type RegistrationReport } from '../domain/report/render-registration.ts';
import { ConfigError, OutsideError, UserError } from '../errors.ts';
import { redact, registerSecret } from '../logging/secrets.ts';

/** Registers the published images of a repository in Jenkins, after a commit changed them. */
export interface RegisterJob {
  owner: string;
  repo: string;
  commit: string;
  installationId: number;
}

export interface RegisterDeps {
  octokit: GitHubClient;
  log: Logger;
  store: StateStore;
  /** The app's environment, where the Jenkins secrets the operator's settings name live. */
  env: NodeJS.ProcessEnv;
  /** The operator's settings: the controllers and which repository may use them. Absent, nothing is registered. */
  operator: OperatorSettings | undefined;
  /** Replaces fetch for the Jenkins client, in tests. */
  fetch?: typeof fetch;
}

/** The check run name for Jenkins registration on commits of the default branch. */
export const registerCheckName = 'Dockyard Jenkins';

/**
 * Regenerates each managed cloud's JCasC document from the published state, delivers it (served by
 * the app and/or written to a folder), validates it with Jenkins when an API token is configured,
 * and makes Jenkins reload. Jenkins being down or refusing the credentials is retried (the job
 * throws an OutsideError); a document Jenkins rejects is reported and not retried.
 */
export async function registerJenkins(deps: RegisterDeps, job: RegisterJob): Promise<void> {
  const { octokit, log, store } = deps;
  const repo = { owner: job.owner, repo: job.repo };
  const fullName = `${job.owner}/${job.repo}`;
  const bytes = await readRepoFile(octokit, repo, configPath, job.commit);
  const text = bytes ? Buffer.from(bytes).toString('utf8') : '';
  const config = bytes ? parseConfig(text, configPath) : undefined;
  if (!config?.jenkins) {
    log.info({ commit: job.commit }, 'no jenkins section in the config; nothing to register');
    return;
  }
  if (!deps.operator) {
    log.info({ commit: job.commit }, 'no operator settings; registering nowhere');
    return;
  }
  let controller: JenkinsController;
  try {
    const resolved = resolveGrants(config, text, configPath, deps.operator, fullName);
    if (!resolved.jenkins) return;
    controller = resolved.jenkins.controller;
  } catch (error) {
    // The publish job reports a config the grants refuse; registering in a controller not granted never happens.
    if (!(error instanceof ConfigError)) throw error;
    log.warn({ commit: job.commit, issues: error.issues.length }, 'config not granted by the operator settings; nothing registered');
    return;
  }
  const jenkins = { ...config.jenkins, ...controller };
  const images: PublishedImage[] = store.publishedImages(fullName).map((image) => ({
    name: image.image,
    label: image.label,
    imageRef: `${image.repository}@${image.digest}`,
    overrides: image.overrides,
  }));
  const documents = jenkins.clouds.map((cloud) => ({ cloud, yaml: renderCasc(cloud, images, jenkins.defaults, fullName) }));
  if (controller.delivery.serve.enabled) {
    // Jenkins' messages name the URL a source came from (ConfiguratorException "at <source>:<line>",
    // "Failed to fetch configuration from <url>"), and the served URL holds the capability.
    const credential = store.serveCredential(fullName);
    registerSecret(credential.capability);
    registerSecret(credential.token);
  }
  let report: RegistrationReport;
  let retry: Error | undefined;
  try {
    const client = createJenkinsClient({ url: controller.url, auth: jenkinsAuth(controller, deps.env), ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    const checked = await checkDocuments(client, jenkins, documents.map((document) => document.yaml));
    const refusals = checked.problems.length > 0 ? [] : await ownershipRefusals(client, deps, fullName, config.jenkins.controller, controller, documents.map(({ cloud }) => cloud.name));
    if (checked.problems.length > 0) {
      report = { status: 'rejected', problems: checked.problems };
    } else if (refusals.length > 0) {
      report = { status: 'rejected', problems: refusals };
      log.warn({ commit: job.commit, refusals: refusals.length }, 'reload refused: it would remove or duplicate clouds Dockyard does not own');
    } else {
      for (const { cloud, yaml } of documents) await deliver(store, fullName, controller, cloud.name, yaml);
      await client.reload();
      report = { status: 'registered', clouds: documents.map(({ cloud }) => registration(cloud, images)), warnings: checked.warnings };
      log.info({ commit: job.commit, clouds: documents.length, templates: images.length, warnings: checked.warnings.length }, 'registered in Jenkins');
    }
  } catch (error) {
    if (error instanceof JenkinsRejectedError) {
      report = { status: 'rejected', problems: [redact(error.message)] };
    } else if (error instanceof JenkinsAuthError || error instanceof OutsideError || error instanceof UserError) {
      // Wrong or missing credentials, or Jenkins down: fixable outside the repository, so keep retrying.
      report = { status: 'retrying', reason: redact(error.message) };
      retry = error;
    } else {
      throw error;
    }
  }
  const rendered = renderRegistration(report, controller.url);
  const checkRun = await startCheckRun(octokit, repo, job.commit, registerCheckName);
  await completeCheckRun(octokit, repo, checkRun.id, { conclusion: rendered.conclusion, title: rendered.title, summary: rendered.body, annotationBatches: [] });
  for (const number of await pullRequestsOfCommit(octokit, repo, job.commit)) {
    await upsertStickyComment(octokit, repo, number, registrationCommentMarker, `${registrationCommentMarker}\n${rendered.body}\n`);
  }
  if (retry) throw new OutsideError('jenkins', redact(retry.message), { cause: retry });
}

function jenkinsAuth(controller: JenkinsController, env: NodeJS.ProcessEnv): JenkinsAuth {
  const { auth } = controller;
  const read = (name: string): string => {
    const value = env[name];
    if (!value) throw new UserError(`The app's environment has no ${name}, which the operator's settings name for this Jenkins controller. Set it where the app runs.`);
    registerSecret(value);
    return value;
  };
  if (auth.user !== undefined && auth.apiTokenEnv !== undefined) return { kind: 'api-token', user: auth.user, token: read(auth.apiTokenEnv) };
  return { kind: 'token-reload', token: read(auth.reloadTokenEnv as string) };
}

/** Validates every document with Jenkins when the credentials allow it (only an API token may check). */
async function checkDocuments(
  client: JenkinsClient,
  jenkins: JenkinsController & { clouds: readonly CloudConfig[] },
  documents: readonly string[],
): Promise<{ problems: string[]; warnings: string[] }> {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (jenkins.auth.user === undefined) return { problems, warnings };
  for (const [index, yaml] of documents.entries()) {
    const result = await client.check(yaml);
    const cloud = jenkins.clouds[index]?.name ?? `cloud ${index + 1}`;
    const where = (line: number): string => (line > 0 ? `${cloud}.yaml line ${line}` : `${cloud}.yaml`);
    if (result.ok) warnings.push(...result.warnings.map((warning) => redact(`${where(warning.line)}: ${warning.message}`)));
    else problems.push(...result.errors.map((error) => redact(`${where(error.line)}: ${error.message}`)));
  }
  return { problems, warnings };
}

/**
 * Why the reload must not happen: a reload replaces Jenkins' whole cloud list with what the CasC sources
 * declare, so a cloud no source declares (made in the UI or by a script) would vanish, and a name two
 * sources declare becomes two clouds. The sources are this repository's new documents, Dockyard's
 * documents of the other repositories granted this controller, and what the operator lists under
 * `cloudOwnership.otherSources`; `cloudOwnership.takeOver` acknowledges removing the rest.
 */
async function ownershipRefusals(
  client: JenkinsClient,
  deps: RegisterDeps,
  repo: string,
  controllerName: string,
  controller: JenkinsController,
  own: readonly string[],
): Promise<string[]> {
  const { takeOver, otherSources } = controller.cloudOwnership;
  const otherRepositories = await otherRepositoryClouds(deps, repo, controllerName, controller, own);
  const current = controller.auth.user === undefined ? undefined : await client.clouds();
  const verdict = judgeOwnership(current ?? [], { own, otherRepositories, otherSources });
  const refusals = verdict.duplicates.map(
    ({ name, alsoIn }) => `The cloud name "${name}" is declared in ${alsoIn} too: JCasC would make two clouds of that name. Rename the cloud in .github/dockyard.yml.`,
  );
  if (takeOver) return refusals;
  if (current === undefined) {
    refusals.push(
      "Dockyard cannot see this controller's clouds with only a reload token, so it cannot tell whether a reload would remove clouds it does not own. Give it an API token (auth.user, auth.apiTokenEnv; Overall/SystemRead reads the clouds), or set cloudOwnership.takeOver: true for this controller in the operator's settings.",
    );
  } else if (verdict.vanishing.length > 0) {
    const names = verdict.vanishing.map((cloud) => `"${cloud.name}" (${cloud.kind})`).join(', ');
    refusals.push(
      `Reloading would remove ${verdict.vanishing.length === 1 ? 'the cloud' : 'the clouds'} ${names}: no CasC source declares ${verdict.vanishing.length === 1 ? 'it' : 'them'} (made in the UI or by a script), and a reload keeps only what the sources declare. Declare ${verdict.vanishing.length === 1 ? 'it' : 'them'} in a CasC source and list the name under cloudOwnership.otherSources for this controller in the operator's settings, or set cloudOwnership.takeOver: true to let the reload remove ${verdict.vanishing.length === 1 ? 'it' : 'them'}.`,
    );
  }
  return refusals;
}

/**
 * Cloud names of Dockyard's other documents this controller reads: those of other repositories granted it,
 * and this repository's earlier documents of clouds it no longer configures (Dockyard does not delete them).
 */
async function otherRepositoryClouds(
  deps: RegisterDeps,
  repo: string,
  controllerName: string,
  controller: JenkinsController,
  own: readonly string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, Set<string>>();
  const add = (owner: string, cloud: string): void => {
    if (owner === repo && own.includes(cloud)) return;
    found.set(owner, (found.get(owner) ?? new Set()).add(cloud));
  };
  const granted = (other: string): boolean =>
    other === repo ||
    (deps.operator?.grants.some((grant) => grant.jenkins.includes(controllerName) && grant.repositories.some((pattern) => repositoryMatches(pattern, other))) ?? false);
  const { serve, writeTo } = controller.delivery;
  if (serve.enabled) {
    for (const document of deps.store.servedDocuments(serve.path)) if (granted(document.repo)) add(document.repo, document.cloud);
  }
  if (writeTo !== undefined) {
    for (const owner of await folders(writeTo)) {
      for (const name of await folders(path.join(writeTo, owner))) {
        const other = `${owner}/${name}`;
        const files = await readdir(path.join(writeTo, owner, name)).catch(() => [] as string[]);
        for (const file of files) if (file.endsWith('.yaml')) add(other, file.slice(0, -'.yaml'.length));
      }
    }
  }
  return new Map([...found].map(([owner, clouds]) => [owner, [...clouds].sort()]));
}

async function folders(parent: string): Promise<string[]> {
  const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

async function deliver(store: StateStore, repo: string, controller: JenkinsController, cloud: string, yaml: string): Promise<void> {
  const { serve, writeTo } = controller.delivery;
  if (serve.enabled) {
    // Made now so the operator can look it up before Jenkins first asks; never logged.
    store.serveCredential(repo);
    store.setServedDocument({ repo, cloud, servePath: serve.path, auth: serve.auth, yaml });
  }
  if (writeTo !== undefined) {
    // A folder per repository: repositories sharing a controller never overwrite each other's documents.
    const parts = repo.split('/');
    if (parts.some((part) => part === '.' || part === '..' || part === '')) throw new UserError(`"${repo}" cannot name a folder under writeTo`);
    const folder = path.join(writeTo, ...parts);
    await mkdir(folder, { recursive: true });
    const target = path.join(folder, `${cloud}.yaml`);
    // Write then rename, so Jenkins never reads half a document.
    await writeFile(`${target}.tmp`, yaml);
    await rename(`${target}.tmp`, target);
  }
}

function registration(cloud: CloudConfig, images: readonly PublishedImage[]): CloudRegistration {
  return {
    cloud: cloud.name,
    kind: cloud.kind,
    templates: images.map((image) => ({ image: image.name, label: image.label, imageRef: image.imageRef })),
  };
}
