import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { api, repoPath } from './github-api.ts';

export interface GitHubNock {
  /** The api.github.com scope of the running test: a new one for each test, removed after it. */
  github: nock.Scope;
  /** Every request of the running test that no mock answered, as `METHOD path`. */
  unmatched: string[];
  /** A list that receives the JSON body of every request answered on one path of the repository, in order. */
  bodies<T>(method: string, path: string): T[];
  /** Every request made was expected and every one expected was made, but for pending mocks matching `unasked`. */
  expectAllRequestsMade(unasked?: RegExp): void;
}

/**
 * GitHub through nock for the tests of the file or `describe` block it is called in: no real
 * connections, a fresh api.github.com scope for each test and the requests no mock answered. Its
 * hooks are registered first, so the caller's `afterEach` still sees the test's mocks.
 */
export function useGitHubNock(): GitHubNock {
  let scope: nock.Scope | undefined;
  const unmatched: string[] = [];
  let watched: { method: string; path: string; list: unknown[] }[] = [];
  const onNoMatch = (request: { method?: string; path?: string; url?: string }) => unmatched.push(`${request.method} ${request.path ?? request.url}`);

  beforeAll(() => {
    nock.disableNetConnect();
    nock.emitter.on('no match', onNoMatch);
  });

  afterAll(() => {
    nock.emitter.removeListener('no match', onNoMatch);
    nock.enableNetConnect();
  });

  beforeEach(() => {
    unmatched.length = 0;
    watched = [];
    scope = nock(api);
    scope.on('request', (request: { method: string; path?: string; url?: string }, _interceptor: unknown, body: string) => {
      const url = new URL(request.path ?? request.url ?? '', api);
      for (const watch of watched) if (watch.method === request.method && watch.path === url.pathname) watch.list.push(body ? JSON.parse(body) : undefined);
    });
  });

  afterEach(() => {
    nock.cleanAll();
  });

  const current = (): nock.Scope => {
    if (!scope) throw new Error('the GitHub scope is made for each test: use it inside a test or its hooks');
    return scope;
  };
  // Forwards to the running test's scope, so that tests hold one `github` for the whole file.
  const github = new Proxy({} as nock.Scope, {
    get(_target, property) {
      const target = current();
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });

  return {
    github,
    unmatched,
    bodies<T>(method: string, path: string): T[] {
      const list: T[] = [];
      watched.push({ method, path: `${repoPath}${path}`, list: list as unknown[] });
      return list;
    },
    expectAllRequestsMade(unasked?: RegExp) {
      expect(unmatched).toEqual([]);
      expect(current().pendingMocks().filter((mock) => !unasked?.test(mock))).toEqual([]);
    },
  };
}
