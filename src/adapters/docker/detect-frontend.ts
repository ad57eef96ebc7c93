import type { IncomingMessage } from 'node:http';
import type Dockerode from 'dockerode';
import type { DockerfileFrontend } from '../../domain/dockerfile/frontend.ts';
import { OutsideError, UserError } from '../../errors.ts';
import { dialEngine } from './dial-engine.ts';

/** What an engine says about itself (`GET /version`, `GET /_ping`) that decides its Dockerfile frontend. */
export interface EngineFacts {
  /** `Version` of `GET /version`, e.g. `20.10.24+dfsg1`. */
  version: string;
  /** `ApiVersion` of `GET /version`. */
  apiVersion: string;
  /** `Os` of `GET /version`. */
  os: string;
  /** The `Builder-Version` header of `GET /_ping`: `2` BuildKit, `1` the classic builder. */
  builderVersion?: string;
}

/**
 * The Dockerfile frontend builds on this engine use, from what it says about itself:
 * Docker Engine 20.10.x on Linux builds with the frontend of its vendored BuildKit, v0.8.x (moby's
 * vendor.conf on the 20.10 branch pins github.com/moby/buildkit v0.8.3-3-g244e8cde), which Dockyard
 * reads as `buildkit-0.8`. Throws a UserError for any other engine: Dockyard has not verified that
 * it reads Dockerfiles the way that engine's frontend does, so the policy could judge another file.
 */
export function frontendFor(facts: EngineFacts): DockerfileFrontend {
  const [, major, minor] = /^(\d+)\.(\d+)\./.exec(facts.version) ?? [];
  // A Version alone says nothing of the builder: the build API on Windows has no BuildKit at all.
  if (facts.os === 'linux' && major === '20' && minor === '10') return 'buildkit-0.8';
  const builder = facts.builderVersion === undefined ? '' : `, Builder-Version ${facts.builderVersion}`;
  throw new UserError(
    `The Docker engine Dockyard builds on is Docker Engine ${facts.version || '(no version)'} ` +
      `(API ${facts.apiVersion || '?'}, ${facts.os || 'unknown OS'}${builder}). Dockyard checks that it reads every ` +
      'Dockerfile exactly as the BuildKit frontend that builds it, and has verified that only for Docker Engine 20.10.x ' +
      'on Linux (built-in BuildKit v0.8, frontend `buildkit-0.8`), so it builds nothing on this engine. ' +
      'Point DOCKER_HOST at a Docker Engine 20.10 host.',
  );
}

const detected = new WeakMap<Dockerode, Promise<DockerfileFrontend>>();

/** The engine's Dockerfile frontend (see `frontendFor`), asked once per engine client and then remembered. */
export function detectFrontend(docker: Dockerode): Promise<DockerfileFrontend> {
  let frontend = detected.get(docker);
  if (!frontend) {
    frontend = engineFacts(docker).then(frontendFor);
    // Only an answer is remembered: an engine that could not be asked is asked again next time.
    frontend.catch(() => detected.delete(docker));
    detected.set(docker, frontend);
  }
  return frontend;
}

async function engineFacts(docker: Dockerode): Promise<EngineFacts> {
  try {
    const ping = (await dialEngine(docker, {
      method: 'GET',
      path: '/_ping',
      isStream: true,
      statusCodes: { 200: true, 500: 'server error' },
    })) as IncomingMessage;
    ping.resume();
    const header = ping.headers['builder-version'];
    const version = await docker.version();
    const facts: EngineFacts = { version: version.Version ?? '', apiVersion: version.ApiVersion ?? '', os: version.Os ?? '' };
    if (typeof header === 'string' && header !== '') facts.builderVersion = header;
    return facts;
  } catch (error) {
    throw new OutsideError(
      'docker',
      `Dockyard could not ask the Docker engine which version it is: ${error instanceof Error ? error.message : String(error)}. ` +
        'Check that the engine is running and reachable (DOCKER_HOST), then retry.',
      { cause: error },
    );
  }
}
