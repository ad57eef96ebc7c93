import { botUser, notFound, type FakeCheckRun, type FakeRepo, type Route } from './fake-github.ts';
import { checkRunShape, commentShape, paginate } from './shapes.ts';

const repo = '/repos/([^/]+)/([^/]+)';

function need(repoState: FakeRepo | undefined): FakeRepo {
  if (!repoState) throw new Error('route needs a repository');
  return repoState;
}

type Body = Record<string, unknown>;

function asBody(body: unknown): Body {
  return typeof body === 'object' && body !== null ? (body as Body) : {};
}

const unprocessable = (message: string) => ({ status: 422, body: { message, documentation_url: 'https://docs.github.com/rest' } });

/**
 * Applies a create or update body to a run as GitHub does: `output` replaces title, summary and text, while
 * its annotations are appended (at most 50 per request); `completed` needs a conclusion, and a conclusion
 * completes the run (docs.github.com/rest/checks/runs#update-a-check-run).
 */
function applyCheckRun(run: FakeCheckRun, body: Body): string | undefined {
  const output = body['output'] as { title?: string; summary?: string; text?: string; annotations?: unknown[] } | undefined;
  if (output) {
    if (output.summary === undefined || output.title === undefined) return 'output needs title and summary';
    if ((output.annotations ?? []).length > 50) return 'at most 50 annotations per request';
    run.output = { title: output.title, summary: output.summary, text: output.text ?? null };
    run.annotations.push(...(output.annotations ?? []));
  }
  if (typeof body['status'] === 'string') run.status = body['status'];
  if (typeof body['conclusion'] === 'string') {
    run.conclusion = body['conclusion'];
    run.status = 'completed';
  }
  if (run.status === 'completed') {
    if (run.conclusion === null) return 'conclusion is required when status is completed';
    run.completedAt ??= new Date().toISOString();
  }
  return undefined;
}

/** The routes that write: check runs and issue comments. Every write is kept on the repository for assertions. */
export const writeRoutes: Route[] = [
  // docs.github.com/rest/checks/runs#create-a-check-run
  [
    'POST',
    new RegExp(`^${repo}/check-runs$`),
    async ({ github, repo: r, body }) => {
      const data = asBody(body);
      if (typeof data['name'] !== 'string' || typeof data['head_sha'] !== 'string') return unprocessable('name and head_sha are required');
      if (!(await need(r).git.resolve(data['head_sha']))) return unprocessable('No commit found for SHA: ' + data['head_sha']);
      const run: FakeCheckRun = {
        id: github.nextId(),
        name: data['name'],
        headSha: data['head_sha'],
        status: 'queued',
        conclusion: null,
        output: { title: null, summary: null, text: null },
        annotations: [],
        startedAt: new Date().toISOString(),
        completedAt: null,
        bodies: [data],
      };
      const problem = applyCheckRun(run, data);
      if (problem) return unprocessable(problem);
      need(r).checkRuns.push(run);
      return { status: 201, body: checkRunShape(github, need(r), run) };
    },
  ],
  // docs.github.com/rest/checks/runs#update-a-check-run
  [
    'PATCH',
    new RegExp(`^${repo}/check-runs/(\\d+)$`),
    ({ github, repo: r, params, body }) => {
      const run = need(r).checkRuns.find((candidate) => candidate.id === Number(params[2]));
      if (!run) return notFound;
      const data = asBody(body);
      run.bodies.push(data);
      const problem = applyCheckRun(run, data);
      if (problem) return unprocessable(problem);
      return { status: 200, body: checkRunShape(github, need(r), run) };
    },
  ],
  // docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference (check_name; filter=latest is all a single app makes)
  [
    'GET',
    new RegExp(`^${repo}/commits/([^/]+)/check-runs$`),
    async ({ github, repo: r, params, url }) => {
      const sha = await need(r).git.resolve(params[2] ?? '');
      if (!sha) return { status: 422, body: { message: `No commit found for SHA: ${params[2]}` } };
      const name = url.searchParams.get('check_name');
      const status = url.searchParams.get('status');
      const runs = need(r)
        .checkRuns.filter((run) => run.headSha === sha && (name === null || run.name === name) && (status === null || run.status === status))
        .reverse()
        .map((run) => checkRunShape(github, need(r), run));
      const page = paginate(url, github, runs);
      return { ...page, body: { total_count: runs.length, check_runs: page.body } };
    },
  ],
  // docs.github.com/rest/issues/comments#list-issue-comments
  [
    'GET',
    new RegExp(`^${repo}/issues/(\\d+)/comments$`),
    ({ github, repo: r, params, url }) => {
      const number = Number(params[2]);
      const comments = need(r).comments.filter((comment) => comment.issue === number).map((comment) => commentShape(github, need(r), comment));
      return paginate(url, github, comments);
    },
  ],
  // docs.github.com/rest/issues/comments#create-an-issue-comment
  [
    'POST',
    new RegExp(`^${repo}/issues/(\\d+)/comments$`),
    ({ github, repo: r, params, body }) => {
      const text = asBody(body)['body'];
      if (typeof text !== 'string' || text === '') return unprocessable('body is required');
      if (text.length > 65536) return unprocessable('Body is too long (maximum is 65536 characters)');
      const number = Number(params[2]);
      if (!need(r).pulls.has(number)) return notFound;
      const now = new Date().toISOString();
      const comment = { id: github.nextId(), issue: number, body: text, user: botUser, createdAt: now, updatedAt: now };
      need(r).comments.push(comment);
      return { status: 201, body: commentShape(github, need(r), comment) };
    },
  ],
  // docs.github.com/rest/issues/comments#update-an-issue-comment
  [
    'PATCH',
    new RegExp(`^${repo}/issues/comments/(\\d+)$`),
    ({ github, repo: r, params, body }) => {
      const comment = need(r).comments.find((candidate) => candidate.id === Number(params[2]));
      if (!comment) return notFound;
      const text = asBody(body)['body'];
      if (typeof text !== 'string' || text === '') return unprocessable('body is required');
      // Only the author (here, the App) may edit a comment with an installation token.
      if (comment.user.type !== 'Bot') return { status: 403, body: { message: 'Resource not accessible by integration' } };
      comment.body = text;
      comment.updatedAt = new Date().toISOString();
      return { status: 200, body: commentShape(github, need(r), comment) };
    },
  ],
];
