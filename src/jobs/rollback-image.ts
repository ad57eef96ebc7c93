import type { Logger } from 'pino';
import type { GitHubClient } from '../adapters/github/github-client.ts';
import { readRepoFile } from '../adapters/github/read-repo-file.ts';
import type { TagState } from '../adapters/registry/types.ts';
import type { PublishRecord, PublishedState, StateStore } from '../adapters/state/state-store.ts';
import type { OperatorSettings } from '../config/operator-schema.ts';
import { parseConfig } from '../config/parse-config.ts';
import { resolveGrants, type PublishTarget } from '../config/resolve-grants.ts';
import { configPath } from '../config/schema.ts';
import { movingTag } from '../domain/publish/tag-scheme.ts';
import { escapeText, inlineCode, markupText, outsideMessage } from '../domain/report/markdown.ts';
import { ConfigError, isRetryable, OutsideError, UserError } from '../errors.ts';
import type { PushAuth } from './publish-ports.ts';

/** The job kind that moves an image's `latest` and Jenkins template back to a tag published before. */
export const rollbackJobKind = 'rollback';

/** A maintainer's (or operator's) request to roll an image back to one of its published tags. */
export interface RollbackJob {
  owner: string;
  repo: string;
  image: string;
  tag: string;
  /** Who asked: a GitHub login, or the operator's name on the app host. */
  requestedBy: string;
  installationId: number;
  defaultBranch: string;
  /** The pull request or issue it was asked on, where the result is reported. */
  issue?: number;
}

/** What a rollback needs from the registry the repository publishes to; injected so it can be tested. */
export interface RollbackPorts {
  registryAuth(): Promise<PushAuth>;
  /** What a tag points at, or null if it does not exist. */
  readTag(repositoryName: string, tag: string, auth: PushAuth): Promise<TagState | null>;
  /** Points `tag` at the manifest `digest` the repository already holds. */
  tagManifest(repositoryName: string, digest: string, tag: string, auth: PushAuth): Promise<{ digest: string }>;
}

export interface RollbackDeps {
  octokit: GitHubClient;
  log: Logger;
  store: StateStore;
  /** The operator's settings: the registry the repository is granted. Absent, there is nothing to roll back. */
  operator: OperatorSettings | undefined;
  ports: (target: PublishTarget) => RollbackPorts;
}

export type RollbackOutcome =
  /** `latest` and the published state hold the tag's digest; Jenkins must follow, from the default branch's `head`. */
  | { status: 'rolled-back' | 'unchanged'; head: string; digest: string }
  | { status: 'refused'; reason: string };

/** Image names as catalog folders spell them, and tags as the Registry API allows them. */
export const imageNamePattern = /^[a-z0-9][a-z0-9._-]{0,127}$/;
export const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Why an image cannot be rolled back to `tag`, read from the state alone (the job checks the registry
 * too); undefined when it may be tried. Only a tag this catalog's own publish pushed qualifies.
 */
export function rollbackRefusal(store: Pick<StateStore, 'publishedImage' | 'publishedTag'>, repo: string, image: string, tag: string): string | undefined {
  if (tag === movingTag) return `\`${movingTag}\` is the tag a rollback moves; name the dated or \`sha-\` tag to roll back to.`;
  if (!store.publishedImage(repo, image)) return `\`${image}\` is not published from ${repo} now, so there is nothing to roll back.`;
  if (!store.publishedTag(repo, image, tag)) return `\`${image}:${tag}\` was never published by this catalog; only a tag Dockyard published from the default branch can be rolled back to.`;
  return undefined;
}

/**
 * Rolls an image back to a tag it was published under: checks the registry still has that tag at the
 * digest Dockyard published, records the published state (so Jenkins renders the old digest) and who
 * asked, then points `latest` at it. The published state takes the tag's commit, so a later commit of
 * the default branch that changes the image publishes and moves `latest` forward again as usual, while
 * a retried publish of a commit older than the tag's leaves it alone. Refusals are reported, not thrown;
 * outside failures throw, and the job is retried.
 */
export async function rollbackImage(deps: RollbackDeps, job: RollbackJob, jobKey: string): Promise<RollbackOutcome> {
  const { octokit, log, store } = deps;
  const repo = { owner: job.owner, repo: job.repo };
  const fullName = `${job.owner}/${job.repo}`;
  const { data: branch } = await octokit.rest.repos.getBranch({ ...repo, branch: job.defaultBranch });
  const head = branch.commit.sha;
  const refuse = async (reason: string): Promise<RollbackOutcome> => {
    log.info({ image: job.image, tag: job.tag, requestedBy: job.requestedBy, reason }, 'rollback refused');
    await report(deps, job, `@${job.requestedBy} Dockyard did not roll back **${escapeText(job.image)}** to ${inlineCode(job.tag)}: ${markupText(reason)}`);
    return { status: 'refused', reason };
  };
  if (!imageNamePattern.test(job.image) || !tagPattern.test(job.tag)) return refuse('that is not an image name and a tag as Dockyard publishes them.');
  const target = await grantedTarget(deps, repo, fullName, head);
  if (typeof target === 'string') return refuse(target);
  const refusal = rollbackRefusal(store, fullName, job.image, job.tag);
  if (refusal) return refuse(refusal);
  const published = store.publishedImage(fullName, job.image) as PublishedState;
  const record = store.publishedTag(fullName, job.image, job.tag) as PublishRecord & { digest: string };
  const repositoryName = `${target.prefix}/${job.image}`;
  const repository = `${target.registry.host}/${repositoryName}`;
  if (record.repository !== repository || published.repository !== repository) {
    return refuse(`\`${job.tag}\` was published to \`${record.repository ?? 'another repository'}\`, but \`${job.image}\` publishes to \`${repository}\` now.`);
  }
  try {
    return await moveBack(deps, job, jobKey, { head, target, published, record, repositoryName, repository }, refuse);
  } catch (error) {
    // Retried failures stay quiet until they pass; one that will not pass is said where it was asked.
    if (!isRetryable(error)) await report(deps, job, `@${job.requestedBy} Dockyard could not roll back **${escapeText(job.image)}** to ${inlineCode(job.tag)}:\n\n${outsideMessage((error as Error).message)}`);
    throw error;
  }
}

interface Resolved {
  head: string;
  target: PublishTarget;
  published: PublishedState;
  record: PublishRecord & { digest: string };
  /** `<prefix>/<image>` in the registry, and the full `<host>/<prefix>/<image>`. */
  repositoryName: string;
  repository: string;
}

async function moveBack(
  deps: RollbackDeps,
  job: RollbackJob,
  jobKey: string,
  { head, target, published, record, repositoryName, repository }: Resolved,
  refuse: (reason: string) => Promise<RollbackOutcome>,
): Promise<RollbackOutcome> {
  const { log, store } = deps;
  const fullName = `${job.owner}/${job.repo}`;
  const ports = deps.ports(target);
  const auth = await ports.registryAuth();
  if (auth.registry !== target.registry.host) {
    throw new UserError(`The app's AWS credentials reach the registry ${auth.registry}, not ${target.registry.host}; nothing was rolled back. The operator must fix the registry's region or account, or the app's credentials.`);
  }
  const now = await ports.readTag(repositoryName, job.tag, auth);
  if (now === null) return refuse(`the registry has no \`${repository}:${job.tag}\` any more (deleted, or expired by the repository's lifecycle policy).`);
  if (now.manifestDigest !== record.digest) {
    return refuse(`\`${repository}:${job.tag}\` holds \`${now.manifestDigest}\` in the registry, not the \`${record.digest}\` Dockyard published; it was changed outside Dockyard.`);
  }
  // An earlier attempt of this job may have recorded the rollback and moved the state before failing.
  const earlier = store.rollbacks(fullName).find((entry) => entry.jobKey === jobKey);
  if (earlier && published.digest !== record.digest) return refuse(`a newer publish of \`${job.image}\` moved it on since this rollback was recorded.`);
  const unchanged = !earlier && published.digest === record.digest;
  if (!earlier && !unchanged) {
    // The record first: it keeps who asked and what was published before, also when this job is retried.
    store.recordRollback({
      repo: fullName,
      image: job.image,
      tag: job.tag,
      digest: record.digest,
      commit: record.commit,
      fromDigest: published.digest,
      fromCommit: published.commit,
      requestedBy: job.requestedBy,
      jobKey,
    });
    const state: PublishedState = { ...published, digest: record.digest, commit: record.commit };
    if (!store.advancePublishedImage(state, published.commit)) {
      throw new OutsideError('dockyard', `the published state of ${job.image} changed while it was being rolled back; trying again`);
    }
  }
  await ports.tagManifest(repositoryName, record.digest, movingTag, auth);
  const rolledBack = store.rollbacks(fullName).find((entry) => entry.jobKey === jobKey);
  log.info({ image: job.image, tag: job.tag, digest: record.digest, from: rolledBack?.fromDigest, requestedBy: job.requestedBy }, unchanged ? 'rollback: already at that digest' : 'rolled back');
  const was = rolledBack ? ` It was ${inlineCode(rolledBack.fromDigest)} (from ${inlineCode(rolledBack.fromCommit.slice(0, 7))}).` : '';
  await report(
    deps,
    job,
    unchanged
      ? `@${job.requestedBy} **${escapeText(job.image)}** already runs ${inlineCode(job.tag)} (${inlineCode(record.digest)}); \`${movingTag}\` points at it.`
      : `@${job.requestedBy} rolled back **${escapeText(job.image)}** to ${inlineCode(job.tag)}: \`${movingTag}\` and the Jenkins template now use ${inlineCode(`${repository}@${record.digest}`)}, published from ${inlineCode(record.commit.slice(0, 7))}.${was} The next commit on ${inlineCode(job.defaultBranch)} that changes ${escapeText(job.image)} publishes it and moves \`${movingTag}\` forward again.`,
  );
  return { status: unchanged ? 'unchanged' : 'rolled-back', head, digest: record.digest };
}

/** The registry target the repository is granted by its config on the default branch, or why there is none. */
async function grantedTarget(deps: RollbackDeps, repo: { owner: string; repo: string }, fullName: string, head: string): Promise<PublishTarget | string> {
  if (!deps.operator) return 'this Dockyard installation publishes nowhere (no operator settings).';
  const bytes = await readRepoFile(deps.octokit, repo, configPath, head);
  if (!bytes) return `there is no \`${configPath}\` on the default branch.`;
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return resolveGrants(parseConfig(text, configPath), text, configPath, deps.operator, fullName).publish;
  } catch (error) {
    if (error instanceof ConfigError) return `the config on the default branch cannot be used: ${error.message}`;
    throw error;
  }
}

async function report(deps: RollbackDeps, job: RollbackJob, body: string): Promise<void> {
  if (job.issue === undefined) return;
  await deps.octokit.rest.issues.createComment({ owner: job.owner, repo: job.repo, issue_number: job.issue, body });
}
