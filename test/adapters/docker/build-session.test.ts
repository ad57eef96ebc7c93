import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareBuildContext } from '../../../src/adapters/docker/build-context.ts';
import { followBuild, type BuildOutcome } from '../../../src/adapters/docker/build-progress.ts';
import { openBuildSession } from '../../../src/adapters/docker/build-session.ts';
import { dialEngine } from '../../../src/adapters/docker/dial-engine.ts';
import { pullImage } from '../../../src/adapters/docker/image-store.ts';
import {
  pushAuthParent,
  untag,
  useDockerTestEnv,
} from './docker-test-env.ts';

// The session on its own, driving the build API by hand so the session's lifetime is the test's.
// The registry parent is private (htpasswd): only Dockyard's own pull, with credentials, can fetch it.

const ci = useDockerTestEnv();
const { run, folders, images } = ci;
let registryParent: string;

beforeAll(async () => {
  registryParent = await pushAuthParent(ci.env, folders, images, `session-${run}`, `session-parent-${run}`);
});

/**
 * A BuildKit build FROM the registry parent with session `id`; the parent is removed from the engine
 * first, and pulled again with the registry's credentials when `pullFirst`, as `buildImage` does.
 */
async function buildWithSession(id: string, { pullFirst = false } = {}): Promise<BuildOutcome> {
  const contextDir = await folders.create('session-child', { Dockerfile: `FROM ${registryParent}\nRUN test -f /parent.txt\n` });
  const context = await prepareBuildContext({ contextDir, mirrors: [], buildArgs: {} });
  if (context.status !== 'ready') throw new Error(context.message);
  await untag(ci.env.docker, registryParent);
  if (pullFirst) {
    expect(await pullImage(ci.env.docker, registryParent, ci.credentials())).toMatch(/^sha256:/);
  }
  const response = (await dialEngine(ci.env.docker, {
    method: 'POST',
    path: '/build?',
    file: context.tar,
    options: { version: '2', session: id, rm: true, forcerm: true, nocache: true },
    isStream: true,
    statusCodes: { 200: true },
  })) as IncomingMessage;
  const outcome = await followBuild(response, new Set([`${registryParent}`]));
  if (outcome.imageId) images.track({ status: 'built', imageId: outcome.imageId, frontend: 'buildkit-0.8', logTail: [] });
  return outcome;
}

describe('openBuildSession', () => {
  it("answers the engine's credential request for the registry with nothing, so a parent not pulled beforehand cannot be pulled", async () => {
    const session = await openBuildSession(ci.env.docker);
    try {
      // BuildKit checks every second and drops a session after two failed checks: the answer below
      // comes from a session that is still alive.
      await sleep(3500);
      const outcome = await buildWithSession(session.id);

      expect(outcome.imageId).toBeUndefined();
      expect(outcome.failure?.message).toMatch(/401 Unauthorized/);
      expect(session.refusedHosts).toEqual([ci.env.registry.host]);
    } finally {
      session.close();
    }
  });

  it('lets BuildKit use the parent Dockyard pulled before the build, without asking for credentials', async () => {
    const session = await openBuildSession(ci.env.docker);
    try {
      const outcome = await buildWithSession(session.id, { pullFirst: true });

      expect(outcome.failure).toBeUndefined();
      expect(outcome.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(outcome.resolvedImages).toEqual([registryParent]);
      expect(session.refusedHosts).toEqual([]);
    } finally {
      session.close();
    }
  });

  it('gives the engine nothing more once closed', async () => {
    const session = await openBuildSession(ci.env.docker);
    session.close();

    const outcome = await buildWithSession(session.id);

    expect(outcome.imageId).toBeUndefined();
    // The engine either still knows the session and cannot reach it, or has dropped it already.
    expect(outcome.failure?.message).toMatch(/only one connection allowed|no active session|connection error/);
  });
});
