import type Dockerode from 'dockerode';
import { OutsideError } from '../../errors.ts';
import { redact } from '../../logging/secrets.ts';
import { parseImageReference } from '../../domain/dockerfile/image-reference.ts';
import { credentialForHost } from './registry-auth.ts';
import type { RegistryCredential } from './types.ts';

/** True when the engine holds an image with this ID or name. */
export async function hasImage(docker: Dockerode, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

/** Adds `reference` (`name[:tag]`) as a tag of a local image. */
export async function tagImage(docker: Dockerode, image: string, reference: string): Promise<void> {
  const colon = reference.lastIndexOf(':');
  const hasTag = colon > reference.lastIndexOf('/');
  await docker.getImage(image).tag({ repo: hasTag ? reference.slice(0, colon) : reference, tag: hasTag ? reference.slice(colon + 1) : 'latest' });
}

/** Removes one tag; the engine keeps the image while another tag names it. A missing tag is fine. */
export async function untagImage(docker: Dockerode, reference: string): Promise<void> {
  try {
    await docker.getImage(reference).remove({ noprune: true });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
}

/**
 * Pulls an image with the credentials of its registry host; returns the local image ID, or null when
 * the registry has no such image. Any other failure is an OutsideError (retryable), of the `registry`
 * when the engine answered and the pull failed (the engine reports the registry's error), of `docker`
 * when the engine could not be asked.
 */
export async function pullImage(docker: Dockerode, reference: string, credentials: readonly RegistryCredential[]): Promise<string | null> {
  const host = parseImageReference(reference)?.registry ?? '';
  const credential = credentialForHost(host, credentials);
  const options = credential ? { authconfig: { username: credential.username, password: credential.password, serveraddress: credential.registry } } : {};
  let failure: string | undefined;
  // Whether the engine took the pull: then a failure is the registry's, which the engine passes on.
  let engineAnswered = false;
  try {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.pull(reference, { ...options });
    } catch (error) {
      // docker-modem gives an engine's HTTP answer (a 500 with the registry's error) a statusCode; a socket nobody listens on, none.
      engineAnswered = typeof (error as { statusCode?: unknown }).statusCode === 'number';
      throw error;
    }
    engineAnswered = true;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (error: Error | null) => (error ? reject(error) : resolve()),
        (event: { error?: string; errorDetail?: { message?: string } }) => {
          failure ??= event.errorDetail?.message ?? event.error;
        },
      );
    });
  } catch (error) {
    failure ??= (error as Error).message;
  }
  if (failure !== undefined) {
    if (/not found|manifest unknown|name unknown|does not exist/i.test(failure)) return null;
    throw new OutsideError(engineAnswered ? 'registry' : 'docker', `pulling ${reference} failed: ${redact(failure)}`);
  }
  const inspected = await docker.getImage(reference).inspect();
  return inspected.Id;
}
