import type { Annotation } from '../../domain/report/render-check-output.ts';
import type { GitHubClient, RepoCoordinates } from './github-client.ts';

/** The name the check run shows under on pull requests and in branch protection. */
export const checkRunName = 'Dockyard';

/** Starts the check run on a commit, in progress, and returns its id and page. */
export async function startCheckRun(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  headSha: string,
  name = checkRunName,
): Promise<{ id: number; url: string }> {
  const { data } = await octokit.rest.checks.create({ ...repo, name, head_sha: headSha, status: 'in_progress' });
  return { id: data.id, url: data.html_url ?? '' };
}

/** Makes the check run of a commit whose check is recorded but not started: it shows as queued at once. */
export async function queueCheckRun(octokit: GitHubClient, repo: RepoCoordinates, headSha: string, name = checkRunName): Promise<{ id: number; url: string }> {
  const { data } = await octokit.rest.checks.create({ ...repo, name, head_sha: headSha, status: 'queued' });
  return { id: data.id, url: data.html_url ?? '' };
}

/** Marks a queued check run as running. */
export async function markCheckRunInProgress(octokit: GitHubClient, repo: RepoCoordinates, checkRunId: number): Promise<void> {
  await octokit.rest.checks.update({ ...repo, check_run_id: checkRunId, status: 'in_progress' });
}

/** Keeps a check run in progress with a note (why it waits), until it completes. */
export async function noteCheckRunProgress(octokit: GitHubClient, repo: RepoCoordinates, checkRunId: number, title: string, summary: string): Promise<void> {
  await octokit.rest.checks.update({ ...repo, check_run_id: checkRunId, status: 'in_progress', output: { title, summary } });
}

/** The newest check run of that name on a commit that is not completed, if any: one made before a restart. */
export async function findOpenCheckRun(octokit: GitHubClient, repo: RepoCoordinates, headSha: string, name = checkRunName): Promise<{ id: number; url: string } | undefined> {
  const { data } = await octokit.rest.checks.listForRef({ ...repo, ref: headSha, check_name: name, filter: 'latest', per_page: 100 });
  const open = data.check_runs.find((run) => run.status !== 'completed');
  return open ? { id: open.id, url: open.html_url ?? '' } : undefined;
}

export interface CheckRunResult {
  /** `action_required`: the check cannot finish until someone acts (a maintainer approves a fork's build). */
  conclusion: 'success' | 'failure' | 'neutral' | 'action_required';
  title: string;
  summary: string;
  annotationBatches: Annotation[][];
}

/**
 * Completes the check run. The API takes 50 annotations per request, so the first batch goes
 * with the completion and each further batch in an update of its own (GitHub appends them).
 */
export async function completeCheckRun(
  octokit: GitHubClient,
  repo: RepoCoordinates,
  checkRunId: number,
  result: CheckRunResult,
): Promise<void> {
  const [first = [], ...rest] = result.annotationBatches;
  const output = { title: result.title, summary: result.summary };
  await octokit.rest.checks.update({
    ...repo,
    check_run_id: checkRunId,
    status: 'completed',
    conclusion: result.conclusion,
    output: first.length > 0 ? { ...output, annotations: first } : output,
  });
  for (const annotations of rest) {
    await octokit.rest.checks.update({ ...repo, check_run_id: checkRunId, output: { ...output, annotations } });
  }
}
