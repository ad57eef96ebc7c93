import { mkdir, rename, writeFile } from 'node:fs/promises';
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
import type { JenkinsConfig } from '../config/jenkins-schema.ts';
import { parseConfig } from '../config/parse-config.ts';
import { configPath } from '../config/schema.ts';
import type { PublishedImage } from '../domain/jenkins/published-image.ts';
import { renderCasc } from '../domain/jenkins/render-casc.ts';
import { registrationCommentMarker, renderRegistration, type CloudRegistration, type RegistrationReport } from '../domain/report/render-registration.ts';
import { OutsideError, UserError } from '../errors.ts';
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
  /** The app's environment, where the Jenkins secrets named in the config live. */
  env: NodeJS.ProcessEnv;
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
  const jenkins = bytes ? parseConfig(Buffer.from(bytes).toString('utf8'), configPath).jenkins : undefined;
  if (!jenkins) {
    log.info({ commit: job.commit }, 'no jenkins section in the config; nothing to register');
    return;
  }
  const images: PublishedImage[] = store.publishedImages(fullName).map((image) => ({
    name: image.image,
    label: image.label,
    imageRef: `${image.repository}@${image.digest}`,
    overrides: image.overrides,
  }));
  const documents = jenkins.clouds.map((cloud) => ({ cloud, yaml: renderCasc(cloud, images, jenkins.defaults) }));
  let report: RegistrationReport;
  let retry: Error | undefined;
  try {
    const client = createJenkinsClient({ url: jenkins.url, auth: jenkinsAuth(jenkins, deps.env), ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    const problems = await checkDocuments(client, jenkins, documents.map((document) => document.yaml));
    if (problems.length > 0) {
      report = { status: 'rejected', problems };
    } else {
      for (const { cloud, yaml } of documents) await deliver(store, fullName, jenkins, cloud.name, yaml);
      await client.reload();
      report = { status: 'registered', clouds: documents.map(({ cloud }) => registration(cloud, images)) };
      log.info({ commit: job.commit, clouds: documents.length, templates: images.length }, 'registered in Jenkins');
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
  const rendered = renderRegistration(report, jenkins.url);
  const checkRun = await startCheckRun(octokit, repo, job.commit, registerCheckName);
  await completeCheckRun(octokit, repo, checkRun.id, { conclusion: rendered.conclusion, title: rendered.title, summary: rendered.body, annotationBatches: [] });
  for (const number of await pullRequestsOfCommit(octokit, repo, job.commit)) {
    await upsertStickyComment(octokit, repo, number, registrationCommentMarker, `${registrationCommentMarker}\n${rendered.body}\n`);
  }
  if (retry) throw new OutsideError('jenkins', redact(retry.message), { cause: retry });
}

function jenkinsAuth(jenkins: JenkinsConfig, env: NodeJS.ProcessEnv): JenkinsAuth {
  const { auth } = jenkins;
  const read = (name: string): string => {
    const value = env[name];
    if (!value) throw new UserError(`The app's environment has no ${name}, which .github/dockyard.yml names for Jenkins. Set it where the app runs.`);
    registerSecret(value);
    return value;
  };
  if (auth.user !== undefined && auth.apiTokenEnv !== undefined) return { kind: 'api-token', user: auth.user, token: read(auth.apiTokenEnv) };
  return { kind: 'token-reload', token: read(auth.reloadTokenEnv as string) };
}

/** Validates every document with Jenkins when the credentials allow it (only an API token may check). */
async function checkDocuments(client: JenkinsClient, jenkins: JenkinsConfig, documents: readonly string[]): Promise<string[]> {
  if (jenkins.auth.user === undefined) return [];
  const problems: string[] = [];
  for (const [index, yaml] of documents.entries()) {
    const result = await client.check(yaml);
    if (!result.ok) {
      const cloud = jenkins.clouds[index]?.name ?? `cloud ${index + 1}`;
      problems.push(...result.errors.map((error) => `${cloud}.yaml line ${error.line}: ${error.message}`));
    }
  }
  return problems;
}

async function deliver(store: StateStore, repo: string, jenkins: JenkinsConfig, cloud: string, yaml: string): Promise<void> {
  const { serve } = jenkins.delivery;
  if (serve.enabled) store.setCascDocument({ urlPath: cascUrlPath(serve.path, repo, cloud), repo, cloud, tokenEnv: serve.tokenEnv, yaml });
  if (jenkins.delivery.writeTo !== undefined) {
    await mkdir(jenkins.delivery.writeTo, { recursive: true });
    const target = path.join(jenkins.delivery.writeTo, `${cloud}.yaml`);
    // Write then rename, so Jenkins never reads half a document.
    await writeFile(`${target}.tmp`, yaml);
    await rename(`${target}.tmp`, target);
  }
}

/** Where the app serves a cloud's document: `<serve.path>/<owner>/<repo>/<cloud>.yaml`. */
export function cascUrlPath(servePath: string, repo: string, cloud: string): string {
  return `${servePath}/${repo}/${cloud}.yaml`;
}

function registration(cloud: JenkinsConfig['clouds'][number], images: readonly PublishedImage[]): CloudRegistration {
  return {
    cloud: cloud.name,
    kind: cloud.kind,
    templates: images.map((image) => ({ image: image.name, label: image.label, imageRef: image.imageRef })),
  };
}
