import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Mirror } from '../adapters/docker/types.ts';
import { downloadCatalog } from '../adapters/github/download-catalog.ts';
import type { StateStore } from '../adapters/state/state-store.ts';
import type { ImageFolder } from '../domain/catalog/types.ts';
import type { CheckOutcome } from '../domain/check/conclude-check.ts';
import { buildFails, type BuildState } from '../domain/report/render-builds.ts';
import { buildImages } from './build-images.ts';
import type { BuildPorts } from './build-ports.ts';
import type { PushAuth } from './publish-ports.ts';
import { completeCheckRun, startCheckRun, type CheckRunResult } from '../adapters/github/check-run.ts';
import type { GitHubClient, RepoCoordinates } from '../adapters/github/github-client.ts';
import { listChangedPaths } from '../adapters/github/list-changed-paths.ts';
import { readCatalogFolders } from '../adapters/github/read-catalog-folders.ts';
import { readRepoFile } from '../adapters/github/read-repo-file.ts';
import { upsertStickyComment } from '../adapters/github/sticky-comment.ts';
import { parseConfig } from '../config/parse-config.ts';
import { configPath, type Config } from '../config/schema.ts';
import { touchesCatalog } from '../domain/check/changed-images.ts';
import { commentMarker, renderComment } from '../domain/report/render-comment.ts';
import { renderCheckOutput, renderNoCatalogChange } from '../domain/report/render-check-output.ts';
import { renderConfigError, renderGrantError } from '../domain/report/render-config-error.ts';
import type { OperatorRegistry, OperatorSettings } from '../config/operator-schema.ts';
import { resolveGrants, type PublishTarget } from '../config/resolve-grants.ts';
import { ConfigError, isRetryable, OutsideError, UserError } from '../errors.ts';
import { sortFindings, type Finding } from '../domain/findings.ts';
import type { DockerfileFrontend } from '../domain/dockerfile/frontend.ts';
import { addCheckExtras } from '../domain/report/render-check-extras.ts';
import { redact } from '../logging/secrets.ts';
import { checkProposedSettings, settingsFiles } from './check-proposed-settings.ts';
import { checkCatalog } from './check-catalog.ts';
import { readHadolintConfig } from './read-hadolint-config.ts';

/** The comment that approves building a fork's pull request head. */
export const buildCommand = '/dockyard build';

/** The pull request to check, as a handler extracts it from an event. */
export interface PullRequestJob extends RepoCoordinates {
  number: number;
  headSha: string;
  defaultBranch: string;
  /** True when the head branch lives in this repository (not a fork): its code may be built. */
  trusted: boolean;
  /** The repository's web address, for image labels. */
  htmlUrl: string;
}

/** What building pull requests needs; absent when the app runs without a Docker engine. */
export interface PullRequestBuildDeps {
  store: StateStore;
  mirrors: readonly Mirror[];
  ports: BuildPorts;
  /**
   * Credentials for pulling published parents and mirrored upstreams; never given to a build. For the
   * operator's registry the repository publishes to, when there are operator settings.
   */
  registryAuth(registry?: OperatorRegistry): Promise<PushAuth>;
}

type LoadedConfig =
  | { kind: 'ok'; config: Config; text: string }
  | { kind: 'missing' }
  | { kind: 'invalid'; error: ConfigError };

/** A check run Dockyard made on a head commit. */
export interface CheckRunRef {
  id: number;
  url: string;
}

export interface CheckOptions {
  /** The check run to report on, made when the check was recorded; one is started when absent. */
  checkRun?: CheckRunRef;
  /** Aborts the check (a newer head supersedes it, or Dockyard stops): it then writes nothing more. */
  signal?: AbortSignal;
  /** Whether Dockyard tries again on its own after an outside failure, so the report can say so. */
  retrying?: boolean;
  /** Throw what stops the check instead of reporting it, for a caller that retries or reports it itself. */
  throwUnfinished?: boolean;
}

export interface CheckResult {
  /**
   * An outside system (ECR, the registry, the engine, Trivy's database) failed after the policy and
   * lint results were reported; building again later may succeed.
   */
  outsideFailure?: Error;
}

/**
 * Checks a pull request: policy and config from the default branch, the catalog from the PR head.
 * Reports through one check run and one sticky comment. Outside failures end the check run with a
 * message instead of leaving it in progress; one that stops only the builds (ECR, a registry, the
 * engine, Trivy's database) still reports the policy and lint results, and is returned for a retry.
 * Settings files the pull request changes are checked as they would read after merge.
 *
 * With operator settings, the config's `registry` (an operator registry's name, or its host) is resolved
 * through the grants exactly as publishing resolves it, so the pull request is judged and built against
 * the registry its images will be published to, and a config the grants refuse fails here, at its line,
 * rather than first on the merge.
 */
export async function checkPullRequest(
  octokit: GitHubClient,
  log: Logger,
  job: PullRequestJob,
  builds?: PullRequestBuildDeps,
  operator?: OperatorSettings,
  options: CheckOptions = {},
): Promise<CheckResult> {
  const repo = { owner: job.owner, repo: job.repo };
  const { signal } = options;
  const loaded = await loadConfig(octokit, repo, job.defaultBranch);
  const changes = await listChangedPaths(octokit, repo, job.number);
  const catalogRoot = loaded.kind === 'ok' ? loaded.config.catalog : 'images';
  signal?.throwIfAborted();
  const checkRun = options.checkRun ?? (await startCheckRun(octokit, repo, job.headSha));
  // Nothing is written once the check is aborted: a newer check of the pull request owns its report.
  const complete = async (result: CheckRunResult) => {
    signal?.throwIfAborted();
    await completeCheckRun(octokit, repo, checkRun.id, result);
  };
  const comment = async (body: string) => {
    signal?.throwIfAborted();
    await upsertStickyComment(octokit, repo, job.number, commentMarker, body);
  };
  const settingsChanged = changes.some((change) => settingsFiles.includes(change.path));
  if (!touchesCatalog(changes, catalogRoot) && !settingsChanged) {
    // A required `Dockyard` check must still complete, at once, on a change it has nothing to say about.
    log.debug({ pr: job.number }, 'pull request does not touch the catalog');
    await complete({ conclusion: 'success', ...renderNoCatalogChange(catalogRoot) });
    return {};
  }
  try {
    if (loaded.kind === 'missing') {
      await complete({
        conclusion: 'neutral',
        title: 'Dockyard: no config on the default branch',
        summary: `Dockyard reads its policy from \`${configPath}\` on \`${job.defaultBranch}\`, and there is none yet, so nothing was checked. Add one (see the README's example); pull requests are checked once it is on \`${job.defaultBranch}\`.`,
        annotationBatches: [],
      });
      return {};
    }
    if (loaded.kind === 'invalid') {
      const report = renderConfigError(loaded.error.file, loaded.error.issues, job.defaultBranch);
      await complete({ conclusion: 'failure', ...report });
      await comment(report.comment);
      return {};
    }
    let config = loaded.config;
    let target: PublishTarget | undefined;
    if (operator) {
      try {
        const resolved = resolveGrants(loaded.config, loaded.text, configPath, operator, `${job.owner}/${job.repo}`);
        config = resolved.config;
        target = resolved.publish;
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        const report = renderGrantError(error.file, error.issues, job.defaultBranch);
        await complete({ conclusion: 'failure', ...report });
        await comment(report.comment);
        log.info({ pr: job.number, issues: error.issues.length }, 'config not granted by the operator settings');
        return {};
      }
    }
    const hadolintConfig = await readHadolintConfig(octokit, repo, job.defaultBranch);
    const folders = await readCatalogFolders(octokit, repo, job.headSha, config.catalog, builds?.store.blobs);
    const proposed = settingsChanged ? await checkProposedSettings(octokit, repo, job.headSha, changes, operator) : { files: [], findings: [] };
    let outsideFailure: Error | undefined;
    // Judge the reading of the frontend the builds will use: the engine's, when there is one.
    let frontend: DockerfileFrontend | undefined;
    if (builds) {
      try {
        frontend = await builds.ports.engineFrontend();
      } catch (error) {
        outsideFailure = asOutsideFailure(error, 'docker');
        log.warn({ pr: job.number, err: error }, 'Docker engine unavailable; checking policy and lint without builds');
      }
    }
    signal?.throwIfAborted();
    const checked = await checkCatalog({ config, folders, changes, ...(hadolintConfig ? { hadolintConfig } : {}), ...(frontend ? { frontend } : {}), addHosts: operator?.build.egress.addHosts ?? [] });
    const outcome = withFindings(checked, proposed.findings);
    if (outcome.lint.status === 'unavailable') log.warn({ pr: job.number, reason: outcome.lint.reason }, 'hadolint unavailable');
    let state: BuildState = { kind: 'not-configured' };
    if (builds && !outsideFailure) {
      try {
        state = await buildPullRequest(octokit, log, job, builds, config, folders, outcome, target, signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        outsideFailure = asOutsideFailure(error, 'registry');
        log.warn({ pr: job.number, err: error, retryable: isRetryable(outsideFailure) }, 'builds stopped by an outside failure; reporting policy and lint');
      }
    }
    const unscanned = state.kind === 'built' ? state.images.filter((view) => view.scan?.status === 'unavailable') : [];
    const buildFailures = state.kind === 'built' ? state.images.filter(buildFails).length : 0;
    const context = { sha: job.headSha, checkRunUrl: checkRun.url, repoUrl: job.htmlUrl, builds: state };
    // Built but not scanned: trying again later may scan them, and the report says so.
    const unscannedReason = unscanned[0]?.scan?.status === 'unavailable' ? unscanned[0].scan.reason : undefined;
    const scansOnly = !outsideFailure && unscannedReason !== undefined;
    if (scansOnly) outsideFailure = new OutsideError('trivy', unscannedReason);
    const outside = outsideFailure
      ? { system: outsideFailure instanceof OutsideError ? outsideFailure.system : 'registry', message: outsideFailure.message, retrying: Boolean(options.retrying) && isRetryable(outsideFailure), scansOnly }
      : undefined;
    const rendered = addCheckExtras(
      outcome,
      { output: renderCheckOutput(outcome, context), comment: renderComment(outcome, context) },
      { settings: proposed.findings, settingsFiles: proposed.files, ...(outside ? { outside } : {}) },
      { sha: job.headSha, repoUrl: job.htmlUrl },
    );
    await complete(rendered.output);
    await comment(rendered.comment);
    log.info({ pr: job.number, conclusion: rendered.output.conclusion, findings: outcome.findings.length, buildFailures, unscanned: unscanned.length }, 'pull request checked');
    return outsideFailure && isRetryable(outsideFailure) ? { outsideFailure } : {};
  } catch (error) {
    if (signal?.aborted || options.throwUnfinished) throw error;
    log.error({ err: error, pr: job.number }, 'check failed');
    await completeUnfinished(octokit, repo, checkRun.id, error);
    return {};
  }
}

/** Ends a check run that could not judge the pull request, saying it is not about the change. */
export async function completeUnfinished(octokit: GitHubClient, repo: RepoCoordinates, checkRunId: number, error: unknown): Promise<void> {
  await completeCheckRun(octokit, repo, checkRunId, {
    conclusion: 'failure',
    title: 'Dockyard could not finish the check',
    summary: `Dockyard stopped before it could judge this pull request: ${redact((error as Error).message)}\n\nThis is not a finding about your change. Re-run the check from the Checks tab; if it keeps failing, tell the platform team.`,
    annotationBatches: [],
  });
}

/** An outside system's failure as an OutsideError naming it; user errors (an operator must act) stay as they are. */
function asOutsideFailure(error: unknown, system: string): Error {
  if (error instanceof OutsideError || error instanceof UserError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return isRetryable(error) || !(error instanceof Error) ? new OutsideError(system, message, { cause: error }) : error;
}

/** The outcome with the findings about proposed settings added: they fail the check like any error. */
function withFindings(outcome: CheckOutcome, extra: readonly Finding[]): CheckOutcome {
  if (extra.length === 0) return outcome;
  const failing = new Set([...outcome.failing, ...extra.filter((finding) => finding.severity === 'error')]);
  return { ...outcome, findings: sortFindings([...outcome.findings, ...extra]), failing, conclusion: failing.size > 0 ? 'failure' : outcome.conclusion };
}

/** Builds and scans the affected images of a trusted or approved pull request head. */
async function buildPullRequest(
  octokit: GitHubClient,
  log: Logger,
  job: PullRequestJob,
  deps: PullRequestBuildDeps,
  config: Config,
  folders: ImageFolder[],
  outcome: CheckOutcome,
  target: PublishTarget | undefined,
  signal: AbortSignal | undefined,
): Promise<BuildState> {
  const fullName = `${job.owner}/${job.repo}`;
  const approvedBy = job.trusted ? undefined : deps.store.approvalFor(fullName, job.number, job.headSha);
  if (!job.trusted && !approvedBy) return { kind: 'awaiting-approval', command: buildCommand };
  const blocked = new Set([...outcome.failing].map((finding) => finding.image).filter((name) => name !== undefined));
  const workspace = await mkdtemp(path.join(tmpdir(), 'dockyard-pr-'));
  try {
    const repo = { owner: job.owner, repo: job.repo };
    const auth = await deps.registryAuth(target?.registry).catch((error: unknown) => {
      throw asOutsideFailure(error, 'ecr');
    });
    if (target && auth.registry !== target.registry.host) {
      throw new UserError(
        `The app's AWS credentials reach the registry ${auth.registry}, not ${target.registry.host} (registry "${target.registryName}" in the operator's settings), so published parents cannot be pulled; nothing was built. The operator must fix the registry's region or account, or the app's credentials.`,
      );
    }
    const trivyIgnore = await readRepoFile(octokit, repo, '.trivyignore', job.defaultBranch);
    await downloadCatalog(octokit, repo, job.headSha, config.catalog, workspace);
    log.info({ pr: job.number, approvedBy, images: outcome.analysis.affected.size }, 'building pull request');
    const results = await buildImages({
      repo: fullName,
      commit: job.headSha,
      sourceUrl: job.htmlUrl,
      config,
      analysis: outcome.analysis,
      workspace,
      folderTrees: new Map(folders.flatMap((folder) => (folder.treeSha ? [[folder.name, folder.treeSha] as const] : []))),
      mirrors: deps.mirrors,
      credentials: [{ registry: auth.registry, username: auth.username, password: auth.password }],
      ...(trivyIgnore ? { trivyIgnore: Buffer.from(trivyIgnore).toString('utf8') } : {}),
      compareWithPublished: true,
      skip: new Map([...blocked].map((name) => [name, 'the parent policy or lint fails for it'])),
      ports: deps.ports,
      store: deps.store,
      ...(signal ? { signal } : {}),
    });
    return { kind: 'built', images: [...results.values()] };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

async function loadConfig(octokit: GitHubClient, repo: RepoCoordinates, ref: string): Promise<LoadedConfig> {
  const bytes = await readRepoFile(octokit, repo, configPath, ref);
  if (!bytes) return { kind: 'missing' };
  try {
    const text = Buffer.from(bytes).toString('utf8');
    return { kind: 'ok', config: parseConfig(text, configPath), text };
  } catch (error) {
    if (error instanceof ConfigError) return { kind: 'invalid', error };
    throw error;
  }
}
