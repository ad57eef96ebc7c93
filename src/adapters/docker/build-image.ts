import type { IncomingMessage } from 'node:http';
import { addAbortSignal, type Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { DockerfileFrontend } from '../../domain/dockerfile/frontend.ts';
import { compileAddHosts } from '../../domain/policy/check-add-sources.ts';
import { OutsideError, UserError } from '../../errors.ts';
import { prepareBuildContext } from './build-context.ts';
import { followBuild, type BuildOutcome } from './build-progress.ts';
import { openBuildSession, type BuildSession } from './build-session.ts';
import { detectFrontend } from './detect-frontend.ts';
import { dialEngine, type DialOptions } from './dial-engine.ts';
import { cachedEgressVerdict, defaultProbeTargets, probeBuildEgress, refusalMessage, type ProbeVerdict } from './egress-probe.ts';
import { hasImage, pullImage, tagImage } from './image-store.ts';
import { buildkitImageName } from './vertex-images.ts';
import type { BuildLimits, BuildRequest, BuildResult } from './types.ts';

/**
 * Builds one image folder on the engine with BuildKit, allowing it only the images the policy
 * approved: Dockyard pulls each of them by its exact reference first (credentials go to that one
 * pull), the build's session answers BuildKit's credential requests with nothing, and the build is
 * cancelled at the first image BuildKit resolves that is not expected (`unapproved`). Tags are
 * applied only to a build that passed all of that.
 * With `request.limits` (the operator's), the build also: runs RUN steps with no network, or on the
 * engine's bridge only once a probe showed the bridge cannot reach the engine host or link-local
 * addresses (egress-probe.ts); stops at an ADD source on a host not approved (`unapproved`); is
 * cancelled after its time limit or output limit (`failed` with `limit`); and sends no context over
 * its size limit (`refused`).
 * Returns `refused` before anything is sent when the folder cannot be sent as it is; throws a
 * UserError on an engine whose frontend Dockyard has not verified or whose build network is not
 * firewalled, an OutsideError when the engine cannot be reached, and the signal's reason when aborted.
 */
export async function buildImage(docker: Dockerode, request: BuildRequest): Promise<BuildResult> {
  request.signal?.throwIfAborted();
  const limits = request.limits;
  // Aborting the engine request closes its connection, which cancels the build in the engine and
  // kills its running steps (the solve runs under the HTTP request's context).
  const timeout = limits ? AbortSignal.timeout(limits.timeoutMs) : undefined;
  const signals = [request.signal, timeout].filter((signal) => signal !== undefined);
  const guarded: BuildRequest = signals.length > 0 ? { ...request, signal: AbortSignal.any(signals) } : request;
  let frontend: DockerfileFrontend | undefined;
  try {
    const context = await prepareBuildContext(guarded);
    if (context.status === 'refused') return context;
    try {
      frontend = await detectFrontend(docker).catch((error: unknown) => {
        throw error instanceof UserError ? error : engineError(request, (error as Error).cause ?? error);
      });
      const expected = new Set(request.expectedImages.map((image) => buildkitImageName(image) ?? image));
      const unpulled = await pullExpected(docker, guarded, expected);
      if (unpulled !== undefined) return { status: 'failed', message: unpulled, logTail: [], frontend };
      if (limits?.network === 'default') {
        const verdict = await cachedEgressVerdict(docker, () => probeEngine(docker, guarded, limits, expected));
        if (verdict.status !== 'closed') throw new UserError(refusalMessage(verdict));
      }
      const session = await openSession(docker, guarded);
      try {
        const outcome = await runBuild(docker, guarded, context.tar, session.id, expected);
        request.signal?.throwIfAborted();
        return await toResult(docker, guarded, outcome, frontend, session);
      } finally {
        session.close();
      }
    } finally {
      context.tar.destroy();
    }
  } catch (error) {
    request.signal?.throwIfAborted();
    if (timeout?.aborted && limits) return timedOut(limits, [], frontend ?? (await detectFrontend(docker)));
    throw error;
  }
}

function timedOut(limits: BuildLimits, logTail: string[], frontend: DockerfileFrontend): BuildResult {
  const seconds = Math.round(limits.timeoutMs / 1000);
  return {
    status: 'failed',
    limit: 'timeout',
    message: `The build took longer than ${seconds} s, the operator's limit (\`build.timeoutSeconds\`), and was cancelled; nothing was built or pushed. Make the build faster, or ask the platform team for a longer limit.`,
    logTail,
    frontend,
  };
}

/**
 * Probes the engine's build network (egress-probe.ts) from the operator's probe image, else from the
 * build's own images, which are on the engine by now.
 */
async function probeEngine(docker: Dockerode, request: BuildRequest, limits: BuildLimits, expected: ReadonlySet<string>): Promise<ProbeVerdict> {
  const targets = defaultProbeTargets();
  let images = [...expected];
  if (limits.probeImage !== undefined) {
    const probeImage = buildkitImageName(limits.probeImage) ?? limits.probeImage;
    const unpulled = await pullExpected(docker, request, new Set([probeImage]));
    if (unpulled !== undefined) return { status: 'unknown', reason: unpulled };
    images = [probeImage];
  }
  return probeBuildEgress(images, targets, async (contextDir, image) => {
    const probe: BuildRequest = {
      image: 'the egress probe',
      contextDir,
      tags: [],
      buildArgs: {},
      labels: {},
      mirrors: [],
      expectedImages: [image],
      credentials: [],
      noCache: true,
      ...(request.signal ? { signal: request.signal } : {}),
    };
    const context = await prepareBuildContext(probe);
    if (context.status === 'refused') return { logTail: [], failure: context.message };
    const session = await openSession(docker, probe);
    try {
      const outcome = await runBuild(docker, probe, context.tar, session.id, new Set([image]));
      return outcome.failure ? { logTail: outcome.logTail, failure: outcome.failure.message } : { logTail: outcome.logTail };
    } finally {
      session.close();
      context.tar.destroy();
    }
  });
}

/**
 * Pulls every expected image the engine does not hold yet, by its exact reference, so that BuildKit
 * finds it locally and never needs a credential. Returns why one could not be pulled, if one could not.
 */
async function pullExpected(docker: Dockerode, request: BuildRequest, expected: ReadonlySet<string>): Promise<string | undefined> {
  for (const image of expected) {
    request.signal?.throwIfAborted();
    const present = await hasImage(docker, image).catch((error: unknown) => {
      throw engineError(request, error);
    });
    if (present) continue;
    let problem: string;
    try {
      if ((await pullImage(docker, image, request.credentials)) !== null) continue;
      problem = 'its registry has no such image';
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    return `Dockyard could not pull \`${image}\`, which \`${request.image}\` builds on, before the build: ${problem}. ` +
      'Check that the reference exists and that Dockyard has credentials for its registry.';
  }
  return undefined;
}

async function openSession(docker: Dockerode, request: BuildRequest): Promise<BuildSession> {
  try {
    return await openBuildSession(docker);
  } catch (error) {
    throw engineError(request, error);
  }
}

async function runBuild(
  docker: Dockerode,
  request: BuildRequest,
  tar: Readable,
  session: string,
  expected: ReadonlySet<string>,
): Promise<BuildOutcome> {
  // A fresh object every time: the modem deletes and rewrites what it is given. No `t`: the engine
  // would tag the result before Dockyard has read the whole progress.
  const options: DialOptions = {
    method: 'POST',
    path: '/build?',
    file: tar,
    options: {
      buildargs: JSON.stringify(request.buildArgs),
      labels: JSON.stringify(request.labels),
      forcerm: true,
      rm: true,
      nocache: request.noCache ?? false,
      // Resolve mode "default": BuildKit prefers the image Dockyard pulled (see build-session.ts).
      pull: false,
      version: '2',
      session,
      // BuildKit in Engine 20.10 takes `default` (the bridge), `host` and `none` (moby builder-next/builder.go).
      ...(request.limits?.network === 'none' ? { networkmode: 'none' } : {}),
    },
    isStream: true,
    statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
  };
  if (request.signal) options.abortSignal = request.signal;

  let response: IncomingMessage;
  try {
    response = (await dialEngine(docker, options)) as IncomingMessage;
  } catch (error) {
    request.signal?.throwIfAborted();
    const status = (error as { statusCode?: unknown }).statusCode;
    // 400: the engine read the request and refused the build itself (e.g. a Dockerfile it cannot parse).
    if (status === 400) return { failure: { message: engineMessage(error) }, resolvedImages: [], logTail: [] };
    throw engineError(request, error);
  }
  if (request.signal) addAbortSignal(request.signal, response);
  const limits = request.limits;
  try {
    return await followBuild(response, expected, {
      ...(limits ? { addHosts: compileAddHosts(limits.addHosts), maxOutputBytes: limits.maxOutputBytes } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (error) {
    request.signal?.throwIfAborted();
    throw engineError(request, error);
  } finally {
    // Closing the connection is what cancels a build stopped at an unexpected image.
    response.destroy();
  }
}

async function toResult(
  docker: Dockerode,
  request: BuildRequest,
  outcome: BuildOutcome,
  frontend: DockerfileFrontend,
  session: BuildSession,
): Promise<BuildResult> {
  const logTail = [...outcome.logTail];
  for (const host of session.refusedHosts) {
    logTail.push(`Dockyard gave BuildKit no credentials for ${host}: it pulls every approved image itself before the build.`);
  }
  if (outcome.interrupted && request.limits) return timedOut(request.limits, logTail, frontend);
  if (outcome.unapprovedSource !== undefined) {
    const { source, reason } = outcome.unapprovedSource;
    const message = `BuildKit went to fetch \`${source}\` for \`${request.image}\`, and the build was cancelled: ${reason.replace(/^`[^`]*` /, 'it ')} Nothing was built or pushed.`;
    return { status: 'unapproved', image: source, message, logTail, frontend };
  }
  if (outcome.outputExceeded !== undefined && request.limits) {
    const mib = Math.ceil((request.limits.maxOutputBytes / 1024 / 1024) * 10) / 10;
    const message = `The build printed more than ${mib} MiB, the operator's limit (\`build.maxOutputMiB\`), and was cancelled; nothing was built or pushed. Print less (e.g. quieter package installs).`;
    return { status: 'failed', limit: 'output', message, logTail, frontend };
  }
  if (outcome.unexpectedImage !== undefined) {
    const image = outcome.unexpectedImage;
    const message = `BuildKit resolved \`${image}\`, which the policy did not approve for \`${request.image}\`; nothing was built or pushed.`;
    return { status: 'unapproved', image, message, logTail, frontend };
  }
  if (outcome.failure) {
    const { step, message } = outcome.failure;
    return step === undefined
      ? { status: 'failed', message, logTail, frontend }
      : { status: 'failed', step, message, logTail, frontend };
  }
  if (outcome.imageId === undefined) {
    const message = 'The engine ended the build without an image ID or an error. Check the Docker engine log, then retry.';
    return { status: 'failed', message, logTail, frontend };
  }
  try {
    for (const tag of request.tags) await tagImage(docker, outcome.imageId, tag);
  } catch (error) {
    throw engineError(request, error);
  }
  return { status: 'built', imageId: outcome.imageId, frontend, logTail };
}

function engineMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // docker-modem wraps the engine's message as `(HTTP code 400) bad parameter - <message> `.
  return message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

function engineError(request: BuildRequest, error: unknown): OutsideError {
  return new OutsideError(
    'docker',
    `Building ${request.image} failed in the Docker engine, not in its Dockerfile: ${engineMessage(error)}. ` +
      'Check that the engine is running and reachable (DOCKER_HOST), then retry.',
    { cause: error },
  );
}
