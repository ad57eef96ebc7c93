import type { Logger } from 'pino';
import { completeCheckRun, startCheckRun } from '../adapters/github/check-run.ts';
import type { GitHubClient, RepoCoordinates } from '../adapters/github/github-client.ts';
import { listChangedPaths } from '../adapters/github/list-changed-paths.ts';
import { readCatalogFolders } from '../adapters/github/read-catalog-folders.ts';
import { readRepoFile } from '../adapters/github/read-repo-file.ts';
import { upsertStickyComment } from '../adapters/github/sticky-comment.ts';
import { parseConfig } from '../config/parse-config.ts';
import { configPath, type Config } from '../config/schema.ts';
import { touchesCatalog } from '../domain/check/changed-images.ts';
import { commentMarker, renderComment } from '../domain/report/render-comment.ts';
import { renderCheckOutput } from '../domain/report/render-check-output.ts';
import { renderConfigError } from '../domain/report/render-config-error.ts';
import { ConfigError } from '../errors.ts';
import { checkCatalog } from './check-catalog.ts';
import { hadolintConfigFiles } from './lint-dockerfiles.ts';

/** The pull request to check, as a handler extracts it from an event. */
export interface PullRequestJob extends RepoCoordinates {
  number: number;
  headSha: string;
  defaultBranch: string;
}

type LoadedConfig = { kind: 'ok'; config: Config } | { kind: 'missing' } | { kind: 'invalid'; error: ConfigError };

/**
 * Checks a pull request: policy and config from the default branch, the catalog from the PR head.
 * Reports through one check run and one sticky comment. Outside failures end the check run with a
 * message instead of leaving it in progress.
 */
export async function checkPullRequest(octokit: GitHubClient, log: Logger, job: PullRequestJob): Promise<void> {
  const repo = { owner: job.owner, repo: job.repo };
  const loaded = await loadConfig(octokit, repo, job.defaultBranch);
  const changes = await listChangedPaths(octokit, repo, job.number);
  const catalogRoot = loaded.kind === 'ok' ? loaded.config.catalog : 'images';
  if (!touchesCatalog(changes, catalogRoot)) {
    log.debug({ pr: job.number }, 'pull request does not touch the catalog');
    return;
  }
  const checkRun = await startCheckRun(octokit, repo, job.headSha);
  try {
    if (loaded.kind === 'missing') {
      await completeCheckRun(octokit, repo, checkRun.id, {
        conclusion: 'neutral',
        title: 'Dockyard: no config on the default branch',
        summary: `Dockyard reads its policy from \`${configPath}\` on \`${job.defaultBranch}\`, and there is none yet, so nothing was checked. Add one (see the README's example); pull requests are checked once it is on \`${job.defaultBranch}\`.`,
        annotationBatches: [],
      });
      return;
    }
    if (loaded.kind === 'invalid') {
      const report = renderConfigError(loaded.error.file, loaded.error.issues, job.defaultBranch);
      await completeCheckRun(octokit, repo, checkRun.id, { conclusion: 'failure', ...report });
      await upsertStickyComment(octokit, repo, job.number, commentMarker, report.comment);
      return;
    }
    const config = loaded.config;
    const hadolintConfig = await readHadolintConfig(octokit, repo, job.defaultBranch);
    const folders = await readCatalogFolders(octokit, repo, job.headSha, config.catalog);
    const outcome = await checkCatalog(hadolintConfig ? { config, folders, changes, hadolintConfig } : { config, folders, changes });
    if (outcome.lint.status === 'unavailable') log.warn({ pr: job.number, reason: outcome.lint.reason }, 'hadolint unavailable');
    const context = { sha: job.headSha, checkRunUrl: checkRun.url };
    const output = renderCheckOutput(outcome, context);
    await completeCheckRun(octokit, repo, checkRun.id, { conclusion: outcome.conclusion, ...output });
    await upsertStickyComment(octokit, repo, job.number, commentMarker, renderComment(outcome, context));
    log.info({ pr: job.number, conclusion: outcome.conclusion, findings: outcome.findings.length }, 'pull request checked');
  } catch (error) {
    log.error({ err: error, pr: job.number }, 'check failed');
    await completeCheckRun(octokit, repo, checkRun.id, {
      conclusion: 'failure',
      title: 'Dockyard could not finish the check',
      summary: `Dockyard stopped before it could judge this pull request: ${(error as Error).message}\n\nThis is not a finding about your change. Re-run the check from the Checks tab; if it keeps failing, tell the platform team.`,
      annotationBatches: [],
    });
  }
}

async function loadConfig(octokit: GitHubClient, repo: RepoCoordinates, ref: string): Promise<LoadedConfig> {
  const bytes = await readRepoFile(octokit, repo, configPath, ref);
  if (!bytes) return { kind: 'missing' };
  try {
    return { kind: 'ok', config: parseConfig(Buffer.from(bytes).toString('utf8'), configPath) };
  } catch (error) {
    if (error instanceof ConfigError) return { kind: 'invalid', error };
    throw error;
  }
}

async function readHadolintConfig(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  ref: string,
): Promise<{ path: string; bytes: Uint8Array } | undefined> {
  for (const path of hadolintConfigFiles) {
    const bytes = await readRepoFile(octokit, repo, path, ref);
    if (bytes) return { path, bytes };
  }
  return undefined;
}
