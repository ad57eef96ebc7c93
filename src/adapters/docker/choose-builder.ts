import type { IncomingMessage } from 'node:http';
import type Dockerode from 'dockerode';
import { dialEngine } from './dial-engine.ts';
import type { BuilderKind, BuildRequest } from './types.ts';

/** What the engine says about itself that decides the builder. */
export interface EngineFacts {
  /** The `Builder-Version` header of `GET /_ping`: `2` BuildKit, `1` classic, absent on older engines. */
  builderVersion?: string;
  /** `Os` of `GET /version`. */
  os: string;
  /** `ApiVersion` of `GET /version`. */
  apiVersion: string;
}

/** Resolves `auto` into the builder this engine should use. */
export async function chooseBuilder(docker: Dockerode, requested: BuildRequest['builder']): Promise<BuilderKind> {
  if (requested === 'buildkit' || requested === 'classic') return requested;
  return builderFor(await engineFacts(docker));
}

/**
 * BuildKit when the engine says it prefers it; the classic builder when it says it prefers that
 * (the operator's choice, and what Windows engines say); otherwise BuildKit on any Linux engine
 * with API 1.39 or later (Docker 18.09+, where it ships in the engine).
 */
export function builderFor(facts: EngineFacts): BuilderKind {
  if (facts.builderVersion === '2') return 'buildkit';
  if (facts.builderVersion === '1') return 'classic';
  const [major = 0, minor = 0] = facts.apiVersion.split('.').map(Number);
  const recent = major > 1 || (major === 1 && minor >= 39);
  return facts.os === 'linux' && recent ? 'buildkit' : 'classic';
}

async function engineFacts(docker: Dockerode): Promise<EngineFacts> {
  const ping = (await dialEngine(docker, {
    method: 'GET',
    path: '/_ping',
    isStream: true,
    statusCodes: { 200: true, 500: 'server error' },
  })) as IncomingMessage;
  ping.resume();
  const header = ping.headers['builder-version'];
  const version = await docker.version();
  const facts: EngineFacts = { os: version.Os, apiVersion: version.ApiVersion };
  if (typeof header === 'string' && header !== '') facts.builderVersion = header;
  return facts;
}
