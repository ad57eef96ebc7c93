import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Mirror } from '../adapters/docker/types.ts';
import { completeCheckRun, startCheckRun, type CheckRunResult } from '../adapters/github/check-run.ts';
import { publishJobKey } from './job-keys.ts';
import { BranchHistory, pullRequestsOfCommit } from '../adapters/github/compare-commits.ts';
import { downloadCatalog } from '../adapters/github/download-catalog.ts';
import type { GitHubClient } from '../adapters/github/github-client.ts';
import { readCatalogFolders } from '../adapters/github/read-catalog-folders.ts';
import { readRepoFile } from '../adapters/github/read-repo-file.ts';
import { upsertStickyComment } from '../adapters/github/sticky-comment.ts';
import type { PublishedState, StateStore } from '../adapters/state/state-store.ts';
import type { OperatorSettings } from '../config/operator-schema.ts';
import { parseConfig } from '../config/parse-config.ts';
import { resolveGrants, type PublishTarget } from '../config/resolve-grants.ts';
import { configPath, type Config } from '../config/schema.ts';
import { catalogRepository } from '../domain/catalog/catalog-reference.ts';
import { analyzeCatalog } from '../domain/check/analyze-catalog.ts';
import { concludeCheck } from '../domain/check/conclude-check.ts';
import { movingTag, publishTags } from '../domain/publish/tag-scheme.ts';
import { publishCommentMarker, renderPublish, renderPublishStopped, type ImagePublish, type LatestHeld } from '../domain/report/render-publish.ts';
import { escapeText, inlineCode, markupText } from '../domain/report/markdown.ts';
import { ConfigError, isRetryable, OutsideError, UserError } from '../errors.ts';
import { redact } from '../logging/secrets.ts';
import { buildImages, type ImageBuild } from './build-images.ts';
import { reportMergedConfigError } from './report-merged-config-error.ts';
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
  /** The repository's default branch when the push came; jobs recorded before it was kept ask GitHub. */
  defaultBranch?: string;
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
  /**
   * The job's signal (its time limit, or the queue stopping): cancels the builds and scans, and no
   * further image is pushed once it aborts; the check run then fails with the signal's reason.
   */
  signal?: AbortSignal;
}

export interface PublishOutcome {
  images: ImagePublish[];
  /** True when the published state changed (an image moved forward or was removed), so Jenkins must follow. */
  registryChanged: boolean;
}

/** The check run name on commits of the default branch. */
export const publishCheckName = 'Dockyard publish';

/**
 * Publishes the images a push to the default branch affects: build (or reuse the pull request's
 * identical build), scan-gate, push to ECR, record. Idempotent per (repository, commit, image): a
 * replayed push publishes nothing twice. Throws only on outside failures worth retrying.
 *
 * The immutable tags of a commit are always pushed (they are right for that commit whenever it runs),
 * but `latest` and the published state (which Jenkins renders from) only ever move forward along the
 * default branch's history: a commit retried after a newer one published leaves them where they are
 * (see `decideLatest`). Jobs of one repository run one at a time (the queue's lane is the repository),
 * and each image's decision is taken from the state read right before it is written, with the write
 * conditional on that state, so the check and the write cannot be separated by another publish.
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
  let parsed: Config;
  try {
    parsed = parseConfig(text, configPath);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await reportMergedConfigError(octokit, repo, job, error);
    log.warn({ commit: job.after, issues: error.issues.length }, 'invalid config on the default branch; nothing published');
    return { images: [], registryChanged: false };
  }
  const target = publishTarget(deps.operator, parsed, text, fullName);
  const config = target.kind === 'granted' ? target.config : parsed;
  const history = new BranchHistory(octokit, repo, async () => job.defaultBranch ?? (await octokit.rest.repos.get(repo)).data.default_branch);
  const changes = await history.changedPaths(job.before, job.after);
  const folders = await readCatalogFolders(octokit, repo, job.after, config.catalog, store.blobs);
  const analysis = analyzeCatalog(folders, changes, config, { frontend: await deps.build.engineFrontend(), addHosts: deps.operator?.build.egress.addHosts ?? [] });
  // Images the commit removes leave the published state (and so Jenkins) once it is on the default branch.
  const removed: string[] = [];
  for (const name of [...analysis.change.removed].filter((image) => !analysis.catalog.images.has(image))) {
    const published = store.publishedImage(fullName, name);
    if (!published) continue;
    // An older commit retried late must not remove an image a newer commit brought back.
    const decision = await decideLatest(history, published.commit, job.after);
    if (!decision.move) {
      log.info({ image: name, commit: job.after, publishedFrom: published.commit, why: decision.why }, 'removed image stays published: this commit is not newer on the default branch than its published state');
      continue;
    }
    if (!store.removePublishedImageIf(fullName, name, published.commit)) throw changedMeanwhile(name);
    removed.push(name);
  }
  const planned = analysis.plan.flat();
  const pending = planned.filter((name) => store.publishOf(fullName, job.after, name)?.status !== 'published');
  if (planned.length > 0 && pending.length === 0) {
    log.info({ commit: job.after, images: planned.length }, 'commit already published; nothing to do');
    const images = planned.map((name) => publishedFromRecord(store, fullName, job.after, name));
    // A Re-run of the publish check run waits for a check run: say that nothing needed publishing.
    const checkRun = await openPublishCheckRun(deps, job);
    await closePublishCheckRun(deps, job, checkRun.id, { ...nothingNeededPublishing(images, job.after), annotationBatches: [] });
    return { images, registryChanged: removed.length > 0 };
  }
  if (planned.length === 0) return { images: [], registryChanged: removed.length > 0 };

  const checkRun = await openPublishCheckRun(deps, job);
  if (target.kind !== 'granted') {
    log.info({ commit: job.after, reason: target.kind }, 'not publishing: no granted target');
    await closePublishCheckRun(deps, job, checkRun.id, { ...notPublishing(target), annotationBatches: [] });
    return { images: [], registryChanged: false };
  }
  const workspace = await mkdtemp(path.join(tmpdir(), 'dockyard-publish-'));
  const results: ImagePublish[] = [];
  let registryChanged = removed.length > 0;
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
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    const tags = publishTags(job.after, new Date(job.committedAt));
    for (const name of planned) {
      deps.signal?.throwIfAborted();
      const done = store.publishOf(fullName, job.after, name);
      if (done?.status === 'published') {
        // Pushed by an earlier attempt of this job; say where `latest` is now if another commit holds it.
        const result = publishedFromRecord(store, fullName, job.after, name);
        const published = store.publishedImage(fullName, name);
        if (published && published.commit !== job.after) {
          const decision = await decideLatest(history, published.commit, job.after);
          if (!decision.move) result.latest = { ...(decision.heldBy ? { heldBy: decision.heldBy } : {}), why: decision.why, branch: await history.branch() };
        }
        results.push(result);
        continue;
      }
      const image = analysis.catalog.images.get(name);
      const state = (digest: string, repository: string): PublishedState => ({
        repo: fullName,
        image: name,
        repository,
        digest,
        label: image?.metadata.label ?? name,
        ...(image?.metadata.jenkins ? { overrides: image.metadata.jenkins } : {}),
        commit: job.after,
      });
      const forward: MoveForward = async (digest, repository) => {
        // Read now, under the repository's lane, not when the job started: this is what the write replaces.
        const published = store.publishedImage(fullName, name);
        const decision = await decideLatest(history, published?.commit, job.after);
        if (!decision.move) {
          log.info({ image: name, commit: job.after, publishedFrom: published?.commit, why: decision.why }, '`latest` and the published state stay: this commit is not newer on the default branch');
          return { ...(decision.heldBy ? { heldBy: decision.heldBy } : {}), why: decision.why, branch: await history.branch() };
        }
        // The state first: if pushing `latest` fails, the retry finds this commit's state and pushes it again,
        // while an older commit's retry in between finds a newer state and leaves `latest` alone.
        if (!store.advancePublishedImage(state(digest, repository), published?.commit)) throw changedMeanwhile(name);
        registryChanged = true;
        return undefined;
      };
      const { result, retryable } = await publishImage(publish, config.prefix, catalogRepository(config, name), name, builds.get(name), tags, auth, blockedByCheck.get(name), forward, deps.signal);
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
      log.info({ image: name, status: result.status, digest: result.digest }, 'image publish result');
    }
  } catch (error) {
    // Aborted, whatever a step threw on the way out: the reason says why (e.g. the job's time limit).
    const stopped = deps.signal?.aborted ? (deps.signal.reason as unknown) : error;
    await closePublishCheckRun(deps, job, checkRun.id, {
      conclusion: 'failure',
      title: 'Dockyard could not finish publishing',
      summary: renderPublishStopped(stopped instanceof Error ? stopped.message : String(stopped)),
      annotationBatches: [],
    });
    throw error;
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
  const report = renderPublish(results, job.after);
  await closePublishCheckRun(deps, job, checkRun.id, { conclusion: report.conclusion, title: report.title, summary: report.body, annotationBatches: [] });
  for (const number of await pullRequestsOfCommit(octokit, repo, job.after)) {
    await upsertStickyComment(octokit, repo, number, publishCommentMarker, `${publishCommentMarker}\n${report.body}\n`);
  }
  if (retry.length > 0) throw new OutsideError('ecr', `publishing ${retry.join(', ')} failed for an outside reason; will retry`);
  return { images: results, registryChanged };
}

/**
 * The commit's `Dockyard publish` check run: the one an interrupted attempt opened (its id is kept with
 * the job, so a crash mid-publish never leaves a run in progress forever), else a new one.
 */
async function openPublishCheckRun(deps: PublishDeps, job: PublishJob): Promise<{ id: number; url: string }> {
  const key = publishJobKey(`${job.owner}/${job.repo}`, job.after);
  const payload = deps.store.jobPayload(key) as (Record<string, unknown> & { publishCheckRun?: { id: number; url: string } }) | undefined;
  if (payload?.publishCheckRun) return payload.publishCheckRun;
  const checkRun = await startCheckRun(deps.octokit, { owner: job.owner, repo: job.repo }, job.after, publishCheckName);
  if (payload) deps.store.updateJobPayload(key, { ...payload, publishCheckRun: checkRun });
  return checkRun;
}

/** Completes the publish check run and forgets it: a later attempt or a Re-run reports on a run of its own. */
async function closePublishCheckRun(deps: PublishDeps, job: PublishJob, checkRunId: number, result: CheckRunResult): Promise<void> {
  await completeCheckRun(deps.octokit, { owner: job.owner, repo: job.repo }, checkRunId, result);
  const key = publishJobKey(`${job.owner}/${job.repo}`, job.after);
  const payload = deps.store.jobPayload(key) as (Record<string, unknown> & { publishCheckRun?: unknown }) | undefined;
  if (payload?.publishCheckRun !== undefined) {
    const { publishCheckRun: _done, ...rest } = payload;
    deps.store.updateJobPayload(key, rest);
  }
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
  forward: MoveForward,
  signal: AbortSignal | undefined,
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
    signal?.throwIfAborted();
    await publish.ensureRepository(repositoryName);
    let digest = '';
    let replay = true;
    for (const tag of tags) {
      signal?.throwIfAborted();
      const pushed = await publish.publishTag(imageId, repositoryName, tag, auth);
      digest = pushed.digest;
      if (pushed.outcome === 'pushed') replay = false;
    }
    const held = await forward(digest, repository);
    if (!held) await publish.pushMovingTag(imageId, repositoryName, movingTag, auth);
    const result: ImagePublish = { name, status: replay ? 'already-published' : 'published', repository, tags, digest };
    if (held) result.latest = held;
    return { result, retryable: false };
  } catch (error) {
    // An aborted job pushes nothing more and ends as a whole (see publishCommit), not as this image's failure.
    if (signal?.aborted) throw signal.reason;
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

/** The publish report of a commit whose images were all published before. */
function nothingNeededPublishing(images: readonly ImagePublish[], commit: string): { conclusion: 'success'; title: string; summary: string } {
  const report = renderPublish(images, commit).body;
  const table = report.slice(report.indexOf('| Image |'));
  return {
    conclusion: 'success',
    title: 'Dockyard: nothing needed publishing',
    summary: [
      '## ✅ Dockyard: nothing needed publishing',
      '',
      `Every image commit ${inlineCode(commit.slice(0, 7))} changes was published already, so nothing was built or pushed again.`,
      '',
      table,
    ].join('\n'),
  };
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

/** Why `latest` and the published state stayed where they were for an image. */
export type LatestDecision = { move: true } | { move: false; heldBy?: string; why: LatestHeld['why'] };

/**
 * Whether publishing `commit` may move an image's `latest` and published state, which came from
 * `published` (undefined: nothing published yet). Only forward along the default branch's history, as
 * GitHub's compare API orders the commits, never by commit dates (the pusher chooses those):
 * - `commit` must be on the default branch now: one a force-push rewrote away never moves anything;
 * - `commit` holds `published` (ahead, or the same commit): forward;
 * - `published` holds `commit` (behind): stay, unless `published` itself is no longer on the branch;
 * - diverged or unrelated (a force-push rewrote history in between): the branch's current head decides.
 *   If `published` is no longer on it, `commit` (which is) wins. If both are on it (an old tip merged
 *   back), the one with fewer commits after it on the branch is the newer; a tie stays.
 */
export async function decideLatest(history: BranchHistory, published: string | undefined, commit: string): Promise<LatestDecision> {
  const here = await history.onBranch(commit);
  if (!here.on) return { move: false, ...(published ? { heldBy: published } : {}), why: 'off-branch' };
  if (published === undefined || published === commit) return { move: true };
  const { order } = await history.compare(published, commit);
  if (order === 'ahead' || order === 'identical') return { move: true };
  const there = await history.onBranch(published);
  if (!there.on) return { move: true };
  if (order === 'behind' || here.commitsAfter >= there.commitsAfter) return { move: false, heldBy: published, why: 'newer' };
  return { move: true };
}

/**
 * Moves an image's published state to the digest just pushed, if its commit is the newest on the
 * default branch; returns why not otherwise (and then `latest` is not pushed either).
 */
type MoveForward = (digest: string, repository: string) => Promise<LatestHeld | undefined>;

/** Another writer changed the published state between reading and writing it: start the job again. */
function changedMeanwhile(image: string): OutsideError {
  return new OutsideError('dockyard', `the published state of ${image} changed while this commit was being published; publishing again`);
}
