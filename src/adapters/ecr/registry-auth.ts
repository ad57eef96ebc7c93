import { GetAuthorizationTokenCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { z } from 'zod';
import { OutsideError } from '../../errors.ts';
import { registerSecret } from '../../logging/secrets.ts';
import type { RegistryAuth } from '../registry/types.ts';
import { withRetry, type RetryOptions } from './with-retry.ts';

/** Registry credentials from ECR: basic auth for the registry's data plane, valid until `expiresAt` (12 h). */
export interface EcrRegistryAuth extends RegistryAuth {
  expiresAt: Date;
  /** Registry API base URL, e.g. `https://123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  endpoint: string;
}

export interface RegistryAuthOptions extends RetryOptions {
  /** The clock, for tests. */
  now?: () => Date;
}

/** A cached token is replaced this long before it expires, so no push starts with one about to lapse. */
const refreshMarginMs = 5 * 60_000;

const authorizationDataSchema = z.object({
  authorizationToken: z.string().min(1),
  expiresAt: z.date(),
  proxyEndpoint: z.url({ protocol: /^https?$/ }),
});

const cache = new WeakMap<ECRClient, Promise<EcrRegistryAuth>>();

function invalid(detail: string): OutsideError {
  return new OutsideError('ecr', `ECR GetAuthorizationToken answered ${detail}; try again later.`);
}

async function fetchRegistryAuth(client: ECRClient, options: RegistryAuthOptions): Promise<EcrRegistryAuth> {
  const output = await withRetry('GetAuthorizationToken', () => client.send(new GetAuthorizationTokenCommand({})), options);
  const data: unknown = output.authorizationData?.[0];
  const token = (data as { authorizationToken?: unknown } | undefined)?.authorizationToken;
  if (typeof token !== 'string') throw invalid('without an authorization token');
  // Registered before anything else can look at it: the token is the Basic auth header value as it stands.
  registerSecret(token);
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = decoded.slice(colon + 1);
  registerSecret(password);
  if (colon <= 0 || password === '') throw invalid('with a token that is not base64 "user:password"');
  const parsed = authorizationDataSchema.safeParse(data);
  if (!parsed.success) throw invalid(`unexpected authorization data (${z.prettifyError(parsed.error).replace(/\n/g, ' ')})`);
  const endpoint = parsed.data.proxyEndpoint.replace(/\/+$/, '');
  return {
    registry: new URL(endpoint).host,
    username: decoded.slice(0, colon),
    password,
    expiresAt: parsed.data.expiresAt,
    endpoint,
  };
}

/**
 * Registry credentials from ECR's GetAuthorizationToken, the password registered for redaction the moment
 * it is decoded; cached per client until 5 minutes before the token expires.
 */
export async function getRegistryAuth(client: ECRClient, options: RegistryAuthOptions = {}): Promise<EcrRegistryAuth> {
  const now = options.now ?? (() => new Date());
  const cached = cache.get(client);
  if (cached !== undefined) {
    const auth = await cached.catch(() => undefined);
    if (auth !== undefined && auth.expiresAt.getTime() - refreshMarginMs > now().getTime()) return auth;
  }
  const pending = fetchRegistryAuth(client, options);
  cache.set(client, pending);
  pending.catch(() => {
    if (cache.get(client) === pending) cache.delete(client);
  });
  return pending;
}

/** Drops the cached credentials of a client, e.g. after the registry refused them. */
export function forgetRegistryAuth(client: ECRClient): void {
  cache.delete(client);
}
