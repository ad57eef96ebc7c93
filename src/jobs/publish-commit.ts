import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Mirror } from '../adapters/docker/types.ts';
import { completeCheckRun, startCheckRun } from '../adapters/github/check-run.ts';
import { listComparedPaths, pullRequestsOfCommit } from '../adapters/github/compare-commits.ts';
import { downloadCatalog } from '../adapters/github/download-catalog.ts';
import type { GitHubClient } from '../adapters/github/github-client.ts';
import { readCatalogFolders } from '../adapters/github/read-catalog-folders.ts';
import { readRepoFile } from '../adapters/github/read-repo-file.ts';
import { upsertStickyComment } from '../adapters/github/sticky-comment.ts';
import type { StateStore } from '../adapters/state/state-store.ts';
import type { OperatorSettings } from '../config/operator-schema.ts';
import { parseConfig } from '../config/parse-config.ts';
import { resolveGrants, type PublishTarget } from '../config/resolve-grants.ts';
import { configPath, type Config } from '../config/schema.ts';
import { catalogRepository } from '../domain/catalog/catalog-reference.ts';
import { analyzeCatalog } from '../domain/check/analyze-catalog.ts';
import { concludeCheck } from '../domain/check/conclude-check.ts';
import { movingTag, publishTags } from '../domain/publish/tag-scheme.ts';
import { publishCommentMarker, renderPublish, renderPublishStopped, type ImagePublish } from '../domain/report/render-publish.ts';
import { escapeText, inlineCode, markupText } from '../domain/report/markdown.ts';
import { ConfigError, isRetryable, OutsideError, UserError } from '../errors.ts';
import { redact } from '../logging/secrets.ts';
import { buildImages, type ImageBuild } from './build-images.ts';
import { lintChanged } from './check-catalog.ts';
import { readHadolintConfig } from './read-hadolint-config.ts';
import type { BuildPorts } from './build-ports.ts';
import type { PublishPorts, PushAuth } from './publish-ports.ts';
import type { RepositorySettings } from '../adapters/ecr/repository-settings.ts';

/** A push to the default branch, as the handler records it. */
export interface PublishJob {
  owner: string;
  repo: string;
  before: string;
  after: string;
  committedAt: string;
  htmlUrl: string;
}

export interface PublishDeps {
  octokit: GitHubClient;
  log: Logger;
  store: StateStore;
  mirrors: readonly Mirror[];
  build: BuildPorts;
  /** The operator's settings: registries and grants. Absent, Dockyard publishes nowhere and says so. */
  operator: OperatorSettings | undefined;
  /** Publishing into a granted target, with the repository settings of the config being published. */
  publish: (target: PublishTarget, settings: RepositorySettings) => PublishPorts;
}

export interface PublishOutcome {
  images: ImagePublish[];
  /** True when the set of published images changed (published or removed), so Jenkins must follow. */
  registryChanged: boolean;
}

/** The check run name on commits of the default branch. */
export const publishCheckName = 'Dockyard publish';

/**
 * Publishes the images a push to the default branch affects: build (or reuse the pull request's
 * identical build), scan-gate, push to ECR, record. Idempotent per (repository, commit, image): a
 * replayed push publishes nothing twice. Throws only on outside failures worth retrying.
 */
export async function publishCommit(deps: PublishDeps, job: PublishJob): Promise<PublishOutcome> {
  const { octokit, log, store } = deps;
  const repo = { owner: job.owner, repo: job.repo };
  const fullName = `${job.owner}/${job.repo}`;
  const configBytes = await readRepoFile(octokit, repo, configPath, job.after);
  if (!configBytes) {
    log.info({ commit: job.after }, 'no Dockyard config on the default branch; nothing to publish');
    return { images: [], registryChanged: false };
  }
  const text = Buffer.from(configBytes).toString('utf8');
  const parsed = parseConfig(text, configPath);
  const target = publishTarget(deps.operator, parsed, text, fullName);
  const config = target.kind === 'granted' ? target.config : parsed;
  const changes = await listComparedPaths(octokit, repo, job.before, job.after);
  const folders = await readCatalogFolders(octokit, repo, job.after, config.catalog);
  const analysis = analyzeCatalog(folders, changes, config, { frontend: await deps.build.engineFrontend() });
  // Images the commit removes leave the published state (and so Jenkins) once it is on the default branch.
  const removed = [...analysis.change.removed].filter((name) => !analysis.catalog.images.has(name));
  for (const name of removed) store.removePublishedImage(fullName, name);
  const planned = analysis.plan.flat();
  const pending = planned.filter((name) => store.publishOf(fullName, job.after, name)?.status !== 'published');
  if (planned.length > 0 && pending.length === 0) {
    log.info({ commit: job.after, images: planned.length }, 'commit already published; nothing to do');
    return { images: planned.map((name) => publishedFromRecord(store, fullName, job.after, name)), registryChanged: removed.length > 0 };
  }
  if (planned.length === 0) return { images: [], registryChanged: removed.length > 0 };

  const checkRun = await startCheckRun(octokit, repo, job.after, publishCheckName);
  if (target.kind !== 'granted') {
    log.info({ commit: job.after, reason: target.kind }, 'not publishing: no granted target');
    await completeCheckRun(octokit, repo, checkRun.id, { ...notPublishing(target), annotationBatches: [] });
    return { images: [], registryChanged: false };
  }
  const workspace = await mkdtemp(path.join(tmpdir(), 'dockyard-publish-'));
  const results: ImagePublish[] = [];
  // Images whose publish failed for an outside reason: the job is retried for them.
  const retry: string[] = [];
  try {
    // What the pull request check would fail must not publish, even when the merge skipped that check.
    const hadolintConfig = await readHadolintConfig(octokit, repo, job.after);
    const lint = await lintChanged(analysis, hadolintConfig ? { config, folders, hadolintConfig } : { config, folders });
    if (lint.status === 'unavailable') log.warn({ commit: job.after, reason: lint.reason }, 'hadolint unavailable; publishing without lint');
    const outcome = concludeCheck(analysis, lint, config);
    const blockedByCheck = new Map<string, string>();
    for (const finding of outcome.failing) {
      if (finding.image !== undefined && !blockedByCheck.has(finding.image)) {
        blockedByCheck.set(finding.image, `${finding.rule} at \`${finding.file}:${finding.line}\``);
      }
    }
    const trivyIgnore = await readRepoFile(octokit, repo, '.trivyignore', job.after);
    const publish = deps.publish(target.publish, config.publish.repository);
    const auth = await publish.registryAuth();
    if (auth.registry !== target.publish.registry.host) {
      throw new UserError(
        `The app's AWS credentials reach the registry ${auth.registry}, not ${target.publish.registry.host} (registry "${target.publish.registryName}" in the operator's settings); nothing was pushed. The operator must fix the registry's region or account, or the app's credentials.`,
      );
    }
    await downloadCatalog(octokit, repo, job.after, config.catalog, workspace);
    const builds = await buildImages({
      repo: fullName,
      commit: job.after,
      sourceUrl: job.htmlUrl,
      config,
      analysis,
      workspace,
      folderTrees: new Map(folders.flatMap((folder) => (folder.treeSha ? [[folder.name, folder.treeSha] as const] : []))),
      mirrors: deps.mirrors,
      credentials: [{ registry: auth.registry, username: auth.username, password: auth.password }],
      compareWithPublished: false,
      skip: new Map([...blockedByCheck].map(([name, first]) => [name, `the parent policy or lint fails for it on the default branch: ${first}`])),
      ...(trivyIgnore ? { trivyIgnore: Buffer.from(trivyIgnore).toString('utf8') } : {}),
      ports: deps.build,
      store,
    });
    const tags = publishTags(job.after, new Date(job.committedAt));
    for (const name of planned) {
      const done = store.publishOf(fullName, job.after, name);
      if (done?.status === 'published') {
        results.push(publishedFromRecord(store, fullName, job.after, name));
        continue;
      }
      const { result, retryable } = await publishImage(publish, config.prefix, catalogRepository(config, name), name, builds.get(name), tags, auth, blockedByCheck.get(name));
      if (retryable) retry.push(name);
      store.recordPublish({
        repo: fullName,
        commit: job.after,
        image: name,
        status: result.status === 'published' || result.status === 'already-published' ? 'published' : 'failed',
        ...(result.repository ? { repository: result.repository } : {}),
        ...(result.tags ? { tags: result.tags } : {}),
        ...(result.digest ? { digest: result.digest } : {}),
        ...(result.reason ? { error: result.reason } : {}),
      });
      results.push(result);
      const image = analysis.catalog.images.get(name);
      if (result.digest && result.repository && image && (result.status === 'published' || result.status === 'already-published')) {
        store.setPublishedImage({
          repo: fullName,
          image: name,
          repository: result.repository,
          digest: result.digest,
          label: image.metadata.label ?? name,
          ...(image.metadata.jenkins ? { overrides: image.metadata.jenkins } : {}),
          commit: job.after,
        });
      }
      log.info({ image: name, status: result.status, digest: result.digest }, 'image publish result');
    }
  } catch (error) {
    await completeCheckRun(octokit, repo, checkRun.id, {
      conclusion: 'failure',
      title: 'Dockyard could not finish publishing',
      summary: renderPublishStopped((error as Error).message),
      annotationBatches: [],
    });
    throw error;
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
  const report = renderPublish(results, job.after);
  await completeCheckRun(octokit, repo, checkRun.id, { conclusion: report.conclusion, title: report.title, summary: report.body, annotationBatches: [] });
  for (const number of await pullRequestsOfCommit(octokit, repo, job.after)) {
    await upsertStickyComment(octokit, repo, number, publishCommentMarker, `${publishCommentMarker}\n${report.body}\n`);
  }
  if (retry.length > 0) throw new OutsideError('ecr', `publishing ${retry.join(', ')} failed for an outside reason; will retry`);
  return { images: results, registryChanged: true };
}

async function publishImage(
  publish: PublishPorts,
  prefix: string,
  repository: string,
  name: string,
  build: ImageBuild | undefined,
  tags: string[],
  auth: PushAuth,
  failingCheck: string | undefined,
): Promise<{ result: ImagePublish; retryable: boolean }> {
  const blocked = (reason: string) => ({ result: { name, status: 'blocked' as const, reason }, retryable: false });
  if (failingCheck !== undefined) return blocked(`the parent policy or lint fails for this image on the default branch: ${failingCheck}.`);
  if (!build) return blocked('it was not built.');
  if (build.status === 'failed' || build.status === 'refused' || build.status === 'skipped') {
    return blocked(`the build ${build.status === 'skipped' ? 'was skipped' : build.status}: ${build.reason ?? ''}${build.step ? ` (step \`${build.step}\`)` : ''}`);
  }
  if (build.scan?.status !== 'ok' || !build.gate) {
    return blocked(`the scan did not run: ${build.scan?.status === 'unavailable' ? build.scan.reason : 'unknown'}`);
  }
  if (!build.gate.passed) {
    return blocked(`the scan found ${build.gate.failing.length} vulnerabilit${build.gate.failing.length === 1 ? 'y' : 'ies'} at a blocking severity: ${build.gate.failing.slice(0, 5).map((vulnerability) => `${vulnerability.id} (${vulnerability.pkgName})`).join(', ')}.`);
  }
  const imageId = build.imageId as string;
  const repositoryName = `${prefix}/${name}`;
  try {
    await publish.ensureRepository(repositoryName);
    let digest = '';
    let replay = true;
    for (const tag of tags) {
      const pushed = await publish.publishTag(imageId, repositoryName, tag, auth);
      digest = pushed.digest;
      if (pushed.outcome === 'pushed') replay = false;
    }
    await publish.pushMovingTag(imageId, repositoryName, movingTag, auth);
    return { result: { name, status: replay ? 'already-published' : 'published', repository, tags, digest }, retryable: false };
  } catch (error) {
    return { result: { name, status: 'failed', repository, reason: redact((error as Error).message) }, retryable: isRetryable(error) };
  }
}

function publishedFromRecord(store: StateStore, repo: string, commit: string, name: string): ImagePublish {
  const record = store.publishOf(repo, commit, name);
  const result: ImagePublish = { name, status: 'already-published' };
  if (record?.repository) result.repository = record.repository;
  if (record?.tags) result.tags = record.tags;
  if (record?.digest) result.digest = record.digest;
  return result;
}

type Target =
  | { kind: 'granted'; config: Config; publish: PublishTarget }
  | { kind: 'no-operator-settings' }
  | { kind: 'not-granted'; error: ConfigError };

function publishTarget(operator: OperatorSettings | undefined, config: Config, text: string, repo: string): Target {
  if (!operator) return { kind: 'no-operator-settings' };
  try {
    const resolved = resolveGrants(config, text, configPath, operator, repo);
    return { kind: 'granted', config: resolved.config, publish: resolved.publish };
  } catch (error) {
    if (error instanceof ConfigError) return { kind: 'not-granted', error };
    throw error;
  }
}

/** The publish report when there is nowhere this repository may publish. */
function notPublishing(target: Exclude<Target, { kind: 'granted' }>): { conclusion: 'neutral' | 'failure'; title: string; summary: string } {
  if (target.kind === 'no-operator-settings') {
    return {
      conclusion: 'neutral',
      title: 'Dockyard: publishing is off',
      summary:
        'This Dockyard installation has no operator settings (`DOCKYARD_OPERATOR_CONFIG`), so it publishes nowhere and registers nothing in Jenkins. Pull requests are still checked. Ask your Dockyard operator to define a registry and grant this repository a namespace in it.',
    };
  }
  const issues = target.error.issues.map((issue) => `- ${inlineCode(`${target.error.file}:${issue.line}`)} **${escapeText(issue.field)}**: ${markupText(issue.message)}`);
  return {
    conclusion: 'failure',
    title: 'Dockyard: not granted to publish there',
    summary: ['Nothing was published: the config asks for what the operator has not granted this repository.', '', ...issues].join('\n'),
  };
}
