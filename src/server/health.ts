import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DatabaseCheck } from '../adapters/trivy/trivy-database.ts';
import { redact } from '../logging/secrets.ts';

/** Liveness: answers while the process runs. */
export const livePath = '/healthz';
/** Readiness: answers 200 only while Dockyard can do its work. */
export const readyPath = '/readyz';

/** What readiness looks at; a part left out is not needed by this installation. */
export interface ReadinessProbes {
  /** Throws unless the state store can be read. */
  state: () => void;
  /** Resolves when the Docker engine answers `/_ping`; present when builds are configured. */
  docker?: () => Promise<unknown>;
  /** The Trivy vulnerability DB as Trivy would find it; present when builds (and so scans) are configured. */
  trivy?: () => Promise<DatabaseCheck>;
  /** True when Trivy never downloads its DB (offline), so a stale one stays stale until the operator replaces it. */
  trivyOffline?: boolean;
  /** How long one probe may take before it counts as not answering. */
  timeoutMs?: number;
}

/** One part's readiness, as the JSON body names it. */
export interface PartStatus {
  ready: boolean;
  detail?: string;
}

/**
 * `GET /healthz` and `GET /readyz`. Readiness asks each part now (never from a cache): the state store
 * must be readable; with builds configured, the Docker engine must answer its ping and Trivy must have a
 * usable DB when it scans offline (online, Trivy downloads or refreshes its DB at the next scan, so a
 * missing or stale one is only reported). 503 names every part that is not ready.
 */
export function serveHealth(probes: ReadinessProbes) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const pathname = new URL(request.url ?? '/', 'http://app').pathname;
    if (pathname === livePath) {
      send(response, 200, { status: 'live' });
      return true;
    }
    if (pathname !== readyPath) return false;
    const parts = await readiness(probes);
    const notReady = Object.entries(parts).filter(([, part]) => !part.ready).map(([name]) => name);
    send(response, notReady.length === 0 ? 200 : 503, { status: notReady.length === 0 ? 'ready' : 'not ready', ...(notReady.length > 0 ? { notReady } : {}), parts });
    return true;
  };
}

/** Each configured part's readiness, asked in parallel. */
export async function readiness(probes: ReadinessProbes): Promise<Record<string, PartStatus>> {
  const timeoutMs = probes.timeoutMs ?? 5_000;
  const parts: Record<string, Promise<PartStatus>> = {
    state: ask(async () => probes.state(), timeoutMs, () => ({ ready: true })),
  };
  if (probes.docker) parts['docker'] = ask(probes.docker, timeoutMs, () => ({ ready: true }));
  if (probes.trivy) {
    parts['trivy'] = ask(probes.trivy, timeoutMs, (check) => {
      if (check.status === 'unavailable') return probes.trivyOffline ? { ready: false, detail: check.reason } : { ready: true, detail: 'no usable DB yet: Trivy downloads one at the next scan' };
      const { updatedAt, nextUpdate, stale } = check.database;
      const detail = `DB built ${updatedAt}, next update ${nextUpdate}${stale ? ' (stale)' : ''}`;
      return { ready: !(stale && probes.trivyOffline), detail: stale && probes.trivyOffline ? `${detail}: offline scans never refresh it; replace the DB.` : detail };
    });
  }
  const names = Object.keys(parts);
  const settled = await Promise.all(Object.values(parts));
  return Object.fromEntries(names.map((name, index) => [name, settled[index] as PartStatus]));
}

async function ask<T>(probe: () => Promise<T>, timeoutMs: number, judge: (value: T) => PartStatus): Promise<PartStatus> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return judge(await Promise.race([probe(), late]));
  } catch (error) {
    return { ready: false, detail: redact(error instanceof Error ? error.message : String(error)) };
  } finally {
    clearTimeout(timer);
  }
}

function send(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
}
