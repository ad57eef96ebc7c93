import type { IncomingMessage } from 'node:http';
import { addAbortSignal, type Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { OutsideError } from '../../errors.ts';
import { prepareBuildContext } from './build-context.ts';
import { followBuild, type BuildOutcome } from './build-progress.ts';
import { openBuildSession } from './build-session.ts';
import { chooseBuilder } from './choose-builder.ts';
import { dialEngine, type DialOptions } from './dial-engine.ts';
import { classicRegistryConfig } from './registry-auth.ts';
import type { BuilderKind, BuildRequest, BuildResult } from './types.ts';

/**
 * Builds one image folder on the engine: BuildKit when the engine has it (registry credentials
 * answered per host through a session), else the classic builder (credentials in
 * `X-Registry-Config`). Credentials only ever reach the engine's pulls, never the build itself.
 * Returns `refused` before anything is sent when the folder cannot be sent as it is; throws an
 * OutsideError when the engine cannot be reached, and the signal's reason when aborted.
 */
export async function buildImage(docker: Dockerode, request: BuildRequest): Promise<BuildResult> {
  request.signal?.throwIfAborted();
  const context = await prepareBuildContext(request);
  if (context.status === 'refused') return context;
  try {
    const builder = await chooseBuilder(docker, request.builder ?? 'auto').catch((error: unknown) => {
      throw engineError(request, error);
    });
    const session = builder === 'buildkit' ? await openSession(docker, request) : undefined;
    try {
      const outcome = await runBuild(docker, request, context.tar, builder, session?.id);
      return toResult(outcome, builder);
    } finally {
      session?.close();
    }
  } finally {
    context.tar.destroy();
  }
}

async function openSession(docker: Dockerode, request: BuildRequest) {
  try {
    return await openBuildSession(docker, request.credentials);
  } catch (error) {
    throw engineError(request, error);
  }
}

async function runBuild(
  docker: Dockerode,
  request: BuildRequest,
  tar: Readable,
  builder: BuilderKind,
  session: string | undefined,
): Promise<BuildOutcome> {
  // A fresh object every time: the modem deletes and rewrites what it is given.
  const options: DialOptions = {
    method: 'POST',
    path: '/build?',
    file: tar,
    options: {
      t: [...request.tags],
      buildargs: JSON.stringify(request.buildArgs),
      labels: JSON.stringify(request.labels),
      forcerm: true,
      rm: true,
      nocache: request.noCache ?? false,
      pull: false,
      version: builder === 'buildkit' ? '2' : '1',
      ...(session === undefined ? {} : { session }),
    },
    isStream: true,
    statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
  };
  if (builder === 'classic' && request.credentials.length > 0) {
    options.registryconfig = classicRegistryConfig(request.credentials);
  }
  if (request.signal) options.abortSignal = request.signal;

  let response: IncomingMessage;
  try {
    response = (await dialEngine(docker, options)) as IncomingMessage;
  } catch (error) {
    request.signal?.throwIfAborted();
    const status = (error as { statusCode?: unknown }).statusCode;
    // 400: the engine read the request and refused the build itself (e.g. a Dockerfile it cannot parse).
    if (status === 400) return { failure: { message: engineMessage(error) }, logTail: [] };
    throw engineError(request, error);
  }
  if (request.signal) addAbortSignal(request.signal, response);
  try {
    return await followBuild(response, builder);
  } catch (error) {
    request.signal?.throwIfAborted();
    throw engineError(request, error);
  }
}

function toResult(outcome: BuildOutcome, builder: BuilderKind): BuildResult {
  const { logTail } = outcome;
  if (outcome.failure) {
    const { step, message } = outcome.failure;
    return step === undefined
      ? { status: 'failed', message, logTail, builder }
      : { status: 'failed', step, message, logTail, builder };
  }
  if (outcome.imageId === undefined) {
    const message = 'The engine ended the build without an image ID or an error. Check the Docker engine log, then retry.';
    return { status: 'failed', message, logTail, builder };
  }
  return { status: 'built', imageId: outcome.imageId, builder, logTail };
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
