import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ProbotOctokit, type Probot } from 'probot';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Services } from '../../src/app/services.ts';
import { createDockyard } from '../../src/index.ts';

const root = path.resolve(import.meta.dirname, '../..');

type Access = 'read' | 'write';
type Permissions = Record<string, Access>;

/** What the code needs from one GitHub API route or event: any one of these permission sets. */
interface Need {
  anyOf: Permissions[];
  docs: string;
}

const apiDocs = 'https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps';
const checks = { anyOf: [{ checks: 'write' }], docs: `${apiDocs}#repository-permissions-for-checks` } satisfies Need;
const contents = { anyOf: [{ contents: 'read' }], docs: `${apiDocs}#repository-permissions-for-contents` } satisfies Need;
const pulls = { anyOf: [{ pull_requests: 'read' }], docs: `${apiDocs}#repository-permissions-for-pull-requests` } satisfies Need;
// Comments on a pull request are issue comments: the page lists them under "Issues" and under "Pull requests".
const commentsRead = {
  anyOf: [{ issues: 'read' }, { pull_requests: 'read' }],
  docs: `${apiDocs}#repository-permissions-for-issues`,
} satisfies Need;
const commentsWrite = {
  anyOf: [{ issues: 'write' }, { pull_requests: 'write' }],
  docs: `${apiDocs}#repository-permissions-for-issues`,
} satisfies Need;

const repositoryMetadata = { anyOf: [{ metadata: 'read' }], docs: `${apiDocs}#repository-permissions-for-metadata` } satisfies Need;

/** The permission each route the code calls needs, as "Permissions required for GitHub Apps" lists it. */
const routePermissions: Record<string, Need> = {
  'POST /repos/{owner}/{repo}/check-runs': checks,
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': checks,
  'GET /repos/{owner}/{repo}/commits/{ref}/check-runs': { anyOf: [{ checks: 'read' }], docs: `${apiDocs}#repository-permissions-for-checks` },
  'GET /repos/{owner}/{repo}/branches/{branch}': contents,
  'GET /repos/{owner}/{repo}/compare/{basehead}': contents,
  'GET /repos/{owner}/{repo}/contents/{path}': contents,
  'GET /repos/{owner}/{repo}/git/blobs/{file_sha}': contents,
  'GET /repos/{owner}/{repo}/git/trees/{tree_sha}': contents,
  'GET /repos/{owner}/{repo}/tarball/{ref}': contents,
  'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls': pulls,
  'GET /repos/{owner}/{repo}/pulls/{pull_number}': pulls,
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/files': pulls,
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': commentsRead,
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': commentsWrite,
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': commentsWrite,
  'GET /repos/{owner}/{repo}': repositoryMetadata,
  'GET /repos/{owner}/{repo}/collaborators/{username}/permission': repositoryMetadata,
};

const eventDocs = 'https://docs.github.com/en/webhooks/webhook-events-and-payloads';
/** The permission a GitHub App needs to subscribe to each event ("Availability" on each event's section). */
const eventPermissions: Record<string, Need> = {
  check_run: { anyOf: [{ checks: 'read' }], docs: `${eventDocs}#check_run` },
  issue_comment: { anyOf: [{ issues: 'read' }], docs: `${eventDocs}#issue_comment` },
  pull_request: { anyOf: [{ pull_requests: 'read' }], docs: `${eventDocs}#pull_request` },
  push: { anyOf: [{ contents: 'read' }], docs: `${eventDocs}#push` },
};

/** Every app with repository permissions has read access to metadata; GitHub sets it back if removed. */
const metadata: Need = {
  anyOf: [{ metadata: 'read' }],
  docs: 'https://docs.github.com/en/apps/creating-github-apps/registering-a-github-app/choosing-permissions-for-a-github-app',
};

/** The event names (without actions) the app function subscribes to, from a Probot that only records. */
function registeredEvents(): string[] {
  const events = new Set<string>();
  const recorder = {
    on: (names: string | string[]) => {
      for (const name of [names].flat()) events.add(name.split('.')[0] ?? name);
    },
    onAny: () => {
      throw new Error('app.onAny subscribes to every event; name the events so the manifest can list them');
    },
    log: { child: () => ({}) },
  };
  const services = { store: {}, queue: { kick: () => undefined, register: () => undefined } } as unknown as Services;
  createDockyard(services)(recorder as unknown as Probot, { cwd: root, addHandler: () => undefined });
  return [...events].sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

/** Every GitHub API route src/ calls, as `METHOD /path`: octokit.rest.<namespace>.<method>, request('…') and paginate('…'). */
function calledRoutes(): Map<string, string[]> {
  const octokit = new ProbotOctokit() as unknown as { rest: Record<string, Record<string, { endpoint: { DEFAULTS: { method: string; url: string } } }>> };
  const routes = new Map<string, string[]>();
  const add = (route: string, where: string) => routes.set(route, [...(routes.get(route) ?? []), where]);
  for (const file of sourceFiles(path.join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const where = path.relative(root, file);
    if (/\.graphql\s*\(/.test(text)) throw new Error(`${where} calls the GraphQL API; add what it queries to this test's permission table`);
    for (const [, namespace = '', method = ''] of text.matchAll(/\.rest\.(\w+)\.(\w+)\b/g)) {
      const endpoint = octokit.rest[namespace]?.[method]?.endpoint;
      if (!endpoint) throw new Error(`${where}: octokit.rest.${namespace}.${method} is not an Octokit REST method`);
      add(`${endpoint.DEFAULTS.method} ${endpoint.DEFAULTS.url}`, where);
    }
    for (const [, route = ''] of text.matchAll(/\.(?:request|paginate)\(\s*['"`]([A-Z]+ \/[^'"`]*)['"`]/g)) add(route, where);
  }
  return routes;
}

interface Derived {
  events: string[];
  needs: { what: string; need: Need }[];
}

/** What the code handles and calls, and the permission each of those needs. */
function deriveFromCode(): Derived {
  const events = registeredEvents();
  const needs = [{ what: 'any repository permission', need: metadata }];
  for (const event of events) {
    const need = eventPermissions[event];
    if (!need) throw new Error(`the app handles \`${event}\`: add the permission that event needs to eventPermissions, citing ${eventDocs}`);
    needs.push({ what: `event ${event}`, need });
  }
  for (const [route, files] of calledRoutes()) {
    const need = routePermissions[route];
    if (!need) throw new Error(`${files.join(', ')} call ${route}: add the permission it needs to routePermissions, citing ${apiDocs}`);
    needs.push({ what: route, need });
  }
  return { events, needs };
}

const rank: Record<Access, number> = { read: 1, write: 2 };

function satisfies(granted: Permissions, need: Need): boolean {
  return need.anyOf.some((set) => Object.entries(set).every(([name, access]) => rank[granted[name] as Access] >= rank[access]));
}

interface Manifest {
  default_events?: string[];
  default_permissions?: Permissions;
  hook_attributes?: { url?: string };
}

/** Every way the manifest differs from what the code needs: missing or extra events, unmet or unneeded permissions. */
function mismatches(manifest: Manifest, derived: Derived): string[] {
  const problems: string[] = [];
  const listed = [...(manifest.default_events ?? [])].sort();
  for (const event of derived.events) if (!listed.includes(event)) problems.push(`default_events lacks \`${event}\`, which the app handles`);
  for (const event of listed) if (!derived.events.includes(event)) problems.push(`default_events has \`${event}\`, which no handler takes`);
  const granted = manifest.default_permissions ?? {};
  for (const { what, need } of derived.needs) {
    if (!satisfies(granted, need)) {
      problems.push(`${what} needs ${need.anyOf.map((set) => JSON.stringify(set)).join(' or ')} (${need.docs})`);
    }
  }
  const meetsAll = (permissions: Permissions) => derived.needs.every(({ need }) => satisfies(permissions, need));
  for (const [name, access] of Object.entries(granted)) {
    const { [name]: _dropped, ...without } = granted;
    if (meetsAll(without)) problems.push(`default_permissions grants \`${name}: ${access}\`, which nothing needs`);
    else if (access === 'write' && meetsAll({ ...granted, [name]: 'read' })) problems.push(`default_permissions grants \`${name}: write\` where read is enough`);
  }
  return problems;
}

const manifest = parse(readFileSync(path.join(root, 'app.yml'), 'utf8')) as Manifest;

describe('app.yml, the GitHub App manifest', () => {
  it('subscribes to exactly the events the app handles and asks for exactly the permissions its calls need', () => {
    const derived = deriveFromCode();
    expect(derived.events).toEqual(['check_run', 'issue_comment', 'pull_request', 'push']);
    expect(mismatches(manifest, derived)).toEqual([]);
  });

  it('finds the calls the code makes, and every permission in the table is for a call the code makes', () => {
    const routes = calledRoutes();
    expect([...routes.keys()].sort()).toEqual(Object.keys(routePermissions).sort());
    // Check runs are made in one place only (queued, or started in progress).
    expect([...new Set(routes.get('POST /repos/{owner}/{repo}/check-runs'))]).toEqual(['src/adapters/github/check-run.ts']);
  });

  it('names no webhook URL, so Probot sets WEBHOOK_PROXY_URL (or its own address) when the app is registered from it', () => {
    expect(manifest.hook_attributes).toBeUndefined();
  });

  it('reports a handler added without its event, and permissions missing, too weak or unneeded', () => {
    const derived = deriveFromCode();
    const withIssues = { ...derived, events: [...derived.events, 'issues'].sort() };
    expect(mismatches(manifest, withIssues)).toContain('default_events lacks `issues`, which the app handles');
    expect(mismatches({ ...manifest, default_events: ['pull_request'] }, derived)).toEqual([
      'default_events lacks `check_run`, which the app handles',
      'default_events lacks `issue_comment`, which the app handles',
      'default_events lacks `push`, which the app handles',
    ]);

    const { checks: _checks, ...noChecks } = manifest.default_permissions ?? {};
    expect(mismatches({ ...manifest, default_permissions: noChecks }, derived)).toEqual([
      `event check_run needs {"checks":"read"} (${eventDocs}#check_run)`,
      `POST /repos/{owner}/{repo}/check-runs needs {"checks":"write"} (${apiDocs}#repository-permissions-for-checks)`,
      `PATCH /repos/{owner}/{repo}/check-runs/{check_run_id} needs {"checks":"write"} (${apiDocs}#repository-permissions-for-checks)`,
      `GET /repos/{owner}/{repo}/commits/{ref}/check-runs needs {"checks":"read"} (${apiDocs}#repository-permissions-for-checks)`,
    ]);
    expect(mismatches({ ...manifest, default_permissions: { ...manifest.default_permissions, contents: 'write', administration: 'read' } }, derived)).toEqual([
      'default_permissions grants `contents: write` where read is enough',
      'default_permissions grants `administration: read`, which nothing needs',
    ]);
  });
});
