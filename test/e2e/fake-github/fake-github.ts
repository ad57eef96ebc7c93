import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GitRepo } from './git-repo.ts';
import { readRoutes } from './read-routes.ts';
import { writeRoutes } from './write-routes.ts';

/** A pull request as the fake holds it; everything else about it is read from git. */
export interface FakePull {
  number: number;
  title: string;
  author: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  /** The head branch lives in a fork: another repository with its own id. */
  fork: boolean;
  state: 'open' | 'closed';
  mergedAt: string | null;
  mergeCommitSha: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; id: number; type: 'User' | 'Bot' };
  createdAt: string;
  updatedAt: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: unknown[];
  startedAt: string;
  completedAt: string | null;
  /** Every body the app sent for this run: the create, then each update, in order. */
  bodies: Record<string, unknown>[];
}

/** One repository of the fake: a bare git repository plus the state GitHub keeps beside it. */
export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  git: GitRepo;
  pulls: Map<number, FakePull>;
  comments: FakeComment[];
  checkRuns: FakeCheckRun[];
  /** Collaborators' permissions; anyone else reads (a public repository). */
  permissions: Map<string, 'admin' | 'maintain' | 'write' | 'triage' | 'read'>;
}

/** A request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  /** Milliseconds since the fake started. */
  at: number;
  body?: unknown;
}

export interface RouteContext {
  github: FakeGitHub;
  request: IncomingMessage;
  url: URL;
  params: string[];
  body: unknown;
  repo: FakeRepo | undefined;
}

/** What a route answers. */
export interface RouteAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: Buffer;
}

export type Route = [method: string, pattern: RegExp, handler: (context: RouteContext) => Promise<RouteAnswer> | RouteAnswer];

/** The App's bot user, as GitHub shows it on what the installation token writes. */
export const botUser = { login: 'dockyard[bot]', id: 41898282, type: 'Bot' as const };

export const notFound: RouteAnswer = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };

/**
 * A GitHub Enterprise Server-style REST API at `http://127.0.0.1:<port>/api/v3`, backed by real git
 * repositories. It answers exactly the routes Dockyard calls, records every request, and answers anything
 * else 404 and records it in `unknown`, so a test fails on a request nobody modelled.
 */
export class FakeGitHub {
  readonly repos = new Map<string, FakeRepo>();
  readonly requests: RecordedRequest[] = [];
  readonly unknown: string[] = [];
  /** Requests refused for their credentials. */
  readonly unauthorized: string[] = [];
  readonly tokens = new Set<string>();
  readonly started = Date.now();
  #server: Server | undefined;
  #dir = '';
  #nextId = 1000;
  #routes: Route[] = [...readRoutes, ...writeRoutes];
  #waiters = new Set<() => void>();
  port = 0;
  /**
   * A secondary limit on writes, as a GitHub Enterprise Server administrator may set one (off by default
   * there, docs.github.com/enterprise-server@3.18/rest/using-the-rest-api/rate-limits-for-the-rest-api):
   * at most `count` writes in any `windowMs`; more are answered 403 with GitHub's message and `retry-after`.
   */
  secondaryLimit: { count: number; windowMs: number } | undefined;
  /** Writes answered with the secondary limit. */
  readonly limited: string[] = [];
  #writesAt: number[] = [];

  nextId(): number {
    return ++this.#nextId;
  }

  /** `http://127.0.0.1:<port>/api/v3`, what Probot's baseUrl becomes with GHE_HOST and GHE_PROTOCOL=http. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/api/v3`;
  }

  /** GHE_HOST for the app. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#dir = await mkdtemp(path.join(tmpdir(), 'fake-github-'));
    this.#server = createServer((request, response) => void this.#handle(request, response));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
    await rm(this.#dir, { recursive: true, force: true });
  }

  async addRepo(owner: string, name: string): Promise<FakeRepo> {
    const repo: FakeRepo = {
      id: this.nextId(),
      owner,
      name,
      fullName: `${owner}/${name}`,
      defaultBranch: 'main',
      git: await GitRepo.create(this.#dir, `${owner}-${name}`),
      pulls: new Map(),
      comments: [],
      checkRuns: [],
      permissions: new Map([[owner, 'admin']]),
    };
    this.repos.set(repo.fullName, repo);
    return repo;
  }

  issueToken(): string {
    const token = `ghs_${randomBytes(18).toString('base64url')}`;
    this.tokens.add(token);
    return token;
  }

  /** Resolves once `predicate` holds, checked after every request; rejects after `timeoutMs`. */
  async waitFor<T>(predicate: () => T | undefined | false, what: string, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`fake GitHub: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 200);
        this.#waiters.add(wake);
      });
    }
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${this.host}`);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    let answer: RouteAnswer;
    try {
      answer = await this.#answer(request, url, body);
    } catch (error) {
      answer = { status: 500, body: { message: `fake GitHub failed: ${(error as Error).message}` } };
    }
    const recorded: RecordedRequest = { method: request.method ?? 'GET', path: `${url.pathname}${url.search}`, status: answer.status, at: Date.now() - this.started };
    if (body !== undefined) recorded.body = body;
    this.requests.push(recorded);
    const headers: Record<string, string> = { ...answer.headers };
    if (answer.raw) {
      response.writeHead(answer.status, headers).end(answer.raw);
    } else if (answer.body === undefined) {
      response.writeHead(answer.status, headers).end();
    } else {
      response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(answer.body));
    }
    for (const wake of [...this.#waiters]) wake();
  }

  async #answer(request: IncomingMessage, url: URL, body: unknown): Promise<RouteAnswer> {
    const method = request.method ?? 'GET';
    const prefix = '/api/v3';
    const codeload = url.pathname.startsWith('/_codeload/');
    if (!codeload && !url.pathname.startsWith(`${prefix}/`)) return this.#unknown(method, url);
    const route = codeload ? url.pathname : url.pathname.slice(prefix.length);
    for (const [routeMethod, pattern, handler] of this.#routes) {
      if (routeMethod !== method) continue;
      const match = pattern.exec(route);
      if (!match) continue;
      const params = match.slice(1).map((part) => decodeURIComponent(part ?? ''));
      const denied = codeload ? undefined : this.#authorize(request, route);
      if (denied) {
        this.unauthorized.push(`${method} ${url.pathname}`);
        return denied;
      }
      const repo = route.startsWith('/repos/') ? this.repos.get(`${params[0]}/${params[1]}`) : undefined;
      if (route.startsWith('/repos/') && !repo) return notFound;
      if (method !== 'GET' && !route.startsWith('/app/') && !codeload) {
        const limited = this.#overLimit();
        if (limited) {
          this.limited.push(`${method} ${url.pathname}`);
          return limited;
        }
      }
      return handler({ github: this, request, url, params, body, repo });
    }
    return this.#unknown(method, url);
  }

  /** GitHub's answer to a write over the secondary limit (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit). */
  #overLimit(): RouteAnswer | undefined {
    if (!this.secondaryLimit) return undefined;
    const { count, windowMs } = this.secondaryLimit;
    const now = Date.now();
    this.#writesAt = this.#writesAt.filter((at) => at > now - windowMs);
    if (this.#writesAt.length < count) {
      this.#writesAt.push(now);
      return undefined;
    }
    const retryAfter = Math.max(1, Math.ceil(((this.#writesAt[0] ?? now) + windowMs - now) / 1000));
    return {
      status: 403,
      headers: { 'retry-after': String(retryAfter) },
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits' },
    };
  }

  #unknown(method: string, url: URL): RouteAnswer {
    this.unknown.push(`${method} ${url.pathname}${url.search}`);
    return notFound;
  }

  /**
   * App routes take the App's JWT (docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/
   * generating-a-json-web-token-jwt-for-a-github-app); everything else an installation token the fake issued.
   */
  #authorize(request: IncomingMessage, route: string): RouteAnswer | undefined {
    const [scheme = '', credential = ''] = (request.headers.authorization ?? '').split(' ');
    const unauthorized: RouteAnswer = { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
    if (route.startsWith('/app/')) {
      if (scheme.toLowerCase() !== 'bearer') return unauthorized;
      const [, claims] = credential.split('.');
      try {
        const payload = JSON.parse(Buffer.from(claims ?? '', 'base64url').toString('utf8')) as { iss?: unknown; exp?: unknown };
        if (payload.iss === undefined || typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) return unauthorized;
      } catch {
        return unauthorized;
      }
      return undefined;
    }
    return ['token', 'bearer'].includes(scheme.toLowerCase()) && this.tokens.has(credential) ? undefined : unauthorized;
  }
}
