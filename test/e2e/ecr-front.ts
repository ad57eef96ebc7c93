import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const stateDir = process.env['DOCKYARD_CI_STATE'] || '/tmp/dockyard-ci';

/** One ECR API call the app made, by operation name (the `X-Amz-Target` after the dot). */
export interface EcrCall {
  operation: string;
  input: Record<string, unknown>;
  status: number;
}

/** The data plane the authorization token must open: the CI registry and its basic-auth credentials. */
export interface DataPlane {
  url: string;
  user: string;
  password: string;
}

/** ECR's control plane for the app: moto's server, behind a recording front that can also play an outage. */
export interface EcrFront {
  /** DOCKYARD_ECR_ENDPOINT for the app. */
  url: string;
  calls: EcrCall[];
  /** Answer every call 503 ServiceUnavailableException until `up()`. */
  down(): void;
  up(): void;
  stop(): Promise<void>;
}

/** moto's URL, as scripts/ci/start-moto.sh leaves it in moto.env; fails (never skips) when moto is not running. */
export function motoUrl(): string {
  let text: string;
  try {
    text = readFileSync(path.join(stateDir, 'moto.env'), 'utf8');
  } catch {
    throw new Error(`${stateDir}/moto.env is missing: run bash scripts/ci/start-moto.sh (it installs moto into .venv and starts moto_server)`);
  }
  const url = /^DOCKYARD_MOTO_URL=(.*)$/m.exec(text)?.[1];
  if (!url) throw new Error(`${stateDir}/moto.env has no DOCKYARD_MOTO_URL; run bash scripts/ci/start-moto.sh`);
  return url;
}

/**
 * Starts the front. Every call goes to moto and comes back as moto answered it, except one field set:
 * moto's GetAuthorizationToken always answers the token `AWS:<account>-auth-token`, an endpoint
 * `https://<account>.dkr.ecr.<region>.amazonaws.com` no machine here reaches and an expiry in 2015. ECR's
 * real answer names the registry the token opens, so the front answers the CI registry's endpoint and its
 * basic-auth credentials, valid 12 hours, as ECR's tokens are.
 */
export async function startEcrFront(dataPlane: DataPlane, target = motoUrl()): Promise<EcrFront> {
  const calls: EcrCall[] = [];
  let outage = false;
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => void relay(incoming, outgoing));

  async function relay(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const operation = String(incoming.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    const input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    if (outage) {
      calls.push({ operation, input, status: 503 });
      const answer = JSON.stringify({ __type: 'ServiceUnavailableException', message: 'Service Unavailable' });
      outgoing.writeHead(503, { 'content-type': 'application/x-amz-json-1.1' }).end(answer);
      return;
    }
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      async (answer) => {
        const parts: Buffer[] = [];
        for await (const part of answer) parts.push(part as Buffer);
        let text = Buffer.concat(parts);
        const status = answer.statusCode ?? 502;
        if (operation === 'GetAuthorizationToken' && status === 200) text = Buffer.from(JSON.stringify(openDataPlane(JSON.parse(text.toString('utf8')) as AuthAnswer, dataPlane)));
        calls.push({ operation, input, status });
        const headers = { ...answer.headers, 'content-length': String(text.length) };
        outgoing.writeHead(status, headers).end(text);
      },
    );
    forwarded.on('error', (error) => outgoing.writeHead(502).end(error.message));
    forwarded.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    down: () => void (outage = true),
    up: () => void (outage = false),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface AuthAnswer {
  authorizationData?: { authorizationToken?: string; proxyEndpoint?: string; expiresAt?: number }[];
}

function openDataPlane(answer: AuthAnswer, dataPlane: DataPlane): AuthAnswer {
  return {
    authorizationData: (answer.authorizationData ?? []).map((entry) => ({
      ...entry,
      authorizationToken: Buffer.from(`${dataPlane.user}:${dataPlane.password}`).toString('base64'),
      proxyEndpoint: dataPlane.url,
      expiresAt: Math.floor(Date.now() / 1000) + 12 * 3600,
    })),
  };
}
