import type Dockerode from 'dockerode';
import { OutsideError } from '../../errors.ts';
import { redact } from '../../logging/secrets.ts';
import { RegistryAuthError, RegistryError } from './registry-errors.ts';
import type { RegistryAuth } from './types.ts';

interface PushEvent {
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Tag?: string; Digest?: string; Size?: number };
}

const authFailure = /unauthorized|authentication required|denied|no basic auth credentials/i;

function dockerFailure(what: string, error: unknown): OutsideError {
  const message = error instanceof Error ? error.message : String(error);
  return new OutsideError('docker', redact(`The Docker engine could not ${what}: ${message}`), { cause: error });
}

/** The ID of a local image, or undefined if the engine has none by that name. */
export async function localImageId(docker: Dockerode, name: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(name).inspect()).Id;
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode === 404) return undefined;
    throw dockerFailure(`inspect image ${name}`, error);
  }
}

function followPush(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<PushEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error, events: PushEvent[]) => (error ? reject(error) : resolve(events)));
  });
}

/** Puts the local tag `ref` back as it was: removed if we added it, pointing at `previousId` if we moved it. */
async function restoreTag(docker: Dockerode, ref: string, previousId: string | undefined, repo: string, tag: string): Promise<void> {
  // Best effort: the push's outcome is what matters, and a leftover local tag harms nothing.
  try {
    if (previousId !== undefined) {
      await docker.getImage(previousId).tag({ repo, tag });
      return;
    }
    const tags = (await docker.getImage(ref).inspect()).RepoTags;
    // Removing an image's last tag deletes the image, and the caller's build with it: keep it then.
    if (tags.some((other) => other !== ref)) await docker.getImage(ref).remove({ noprune: true });
  } catch {
    // Ignored on purpose, see above.
  }
}

/**
 * Tags the local image as `<repositoryRef>:<tag>` and pushes it, reading the whole progress stream: any
 * error event fails the push (RegistryAuthError when the registry refused the credentials, else
 * RegistryError, messages redacted). Returns the manifest digest the engine reports. The local tag is
 * removed again afterwards unless it existed before.
 */
export async function pushImage(
  docker: Dockerode,
  localImage: string,
  repositoryRef: string,
  tag: string,
  auth: RegistryAuth,
): Promise<{ digest: string }> {
  const ref = `${repositoryRef}:${tag}`;
  const imageId = await localImageId(docker, localImage);
  if (imageId === undefined) {
    throw new OutsideError('docker', `The Docker engine has no image ${localImage} to push as ${ref}; build it again.`);
  }
  const previousId = await localImageId(docker, ref);
  if (previousId !== imageId) {
    try {
      await docker.getImage(imageId).tag({ repo: repositoryRef, tag });
    } catch (error) {
      throw dockerFailure(`tag image ${localImage} as ${ref}`, error);
    }
  }
  try {
    let events: PushEvent[];
    try {
      // dockerode deletes `authconfig` from the object it is given: always a fresh one.
      const stream = await docker.getImage(repositoryRef).push({
        tag,
        authconfig: { username: auth.username, password: auth.password, serveraddress: auth.registry },
      });
      events = await followPush(docker, stream);
    } catch (error) {
      throw dockerFailure(`push ${ref}`, error);
    }
    const failure = events.find((event) => event.error !== undefined || event.errorDetail !== undefined);
    if (failure !== undefined) {
      const message = redact(failure.errorDetail?.message ?? failure.error ?? 'unknown error');
      if (authFailure.test(message)) {
        throw new RegistryAuthError(
          `The registry ${auth.registry} refused user ${auth.username} pushing ${ref}: ${message}. ` +
            'Check the registry credentials; for ECR, the app role needs push permissions on the repository.',
        );
      }
      throw new RegistryError(`Pushing ${ref} failed: ${message}`);
    }
    const digest = events.find((event) => event.aux?.Tag === tag && typeof event.aux.Digest === 'string')?.aux?.Digest;
    if (digest === undefined) throw new RegistryError(`Pushing ${ref} ended without the engine reporting a digest.`);
    return { digest };
  } finally {
    if (previousId !== imageId) await restoreTag(docker, ref, previousId, repositoryRef, tag);
  }
}
