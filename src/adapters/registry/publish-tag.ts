import type Dockerode from 'dockerode';
import { OutsideError } from '../../errors.ts';
import { localImageId, pushImage } from './push-image.ts';
import { readTag } from './read-manifest.ts';
import { RegistryAuthError, TagConflictError } from './registry-errors.ts';
import type { RegistryRequestOptions } from './registry-request.ts';
import type { RegistryAuth, TagState } from './types.ts';

/** One image to publish under one tag. */
export interface PublishTagRequest extends RegistryRequestOptions {
  docker: Dockerode;
  /** Registry API base URL, e.g. `https://123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  endpoint: string;
  auth: RegistryAuth;
  /** Repository inside the registry, e.g. `jenkins-agents/python`. */
  repository: string;
  tag: string;
  /** Local image name or ID. */
  localImage: string;
}

export interface PublishTagResult {
  /** `already-published`: the tag held this very image, nothing was pushed (a replay is harmless). */
  outcome: 'pushed' | 'already-published';
  /** Manifest digest the tag holds now. */
  digest: string;
}

/**
 * Whether the tag holds the local image. A graphdriver engine's image ID is the config digest of the
 * schema2 manifest it pushes; a containerd-store engine's ID is the manifest (or index) digest.
 */
function holdsImage(state: TagState, imageId: string): boolean {
  return state.manifestDigest === imageId || (state.kind === 'image' && state.configDigest === imageId);
}

function conflict(repositoryRef: string, tag: string, state: TagState, imageId: string): TagConflictError {
  const published =
    state.kind === 'index'
      ? `a multi-platform index ${state.manifestDigest}`
      : `manifest ${state.manifestDigest} (image ${state.configDigest})`;
  return new TagConflictError(
    repositoryRef,
    tag,
    state.manifestDigest,
    imageId,
    `${repositoryRef}:${tag} already holds a different image: the registry has ${published}, the image to publish is ${imageId}. ` +
      'Published tags are never overwritten. If the published image is the right one (an earlier build of the same commit), ' +
      `keep it and use ${repositoryRef}@${state.manifestDigest}; if it is wrong, delete the tag from the repository and publish again.`,
  );
}

/**
 * Publishes a local image as `<registry>/<repository>:<tag>` unless the tag already holds it. Throws a
 * TagConflictError when the tag holds a different image, also when another publisher got there first.
 */
export async function publishTag(request: PublishTagRequest): Promise<PublishTagResult> {
  const { docker, endpoint, auth, repository, tag, localImage } = request;
  const repositoryRef = `${auth.registry}/${repository}`;
  const imageId = await localImageId(docker, localImage);
  if (imageId === undefined) {
    throw new OutsideError('docker', `The Docker engine has no image ${localImage} to publish as ${repositoryRef}:${tag}; build it again.`);
  }
  const judge = (state: TagState): PublishTagResult => {
    if (!holdsImage(state, imageId)) throw conflict(repositoryRef, tag, state, imageId);
    return { outcome: 'already-published', digest: state.manifestDigest };
  };
  const existing = await readTag(endpoint, auth, repository, tag, request);
  if (existing !== null) return judge(existing);
  try {
    return { outcome: 'pushed', ...(await pushImage(docker, imageId, repositoryRef, tag, auth)) };
  } catch (error) {
    if (error instanceof RegistryAuthError) throw error;
    // An immutable repository refuses a tag someone pushed since our read: judge what is there now.
    const now = await readTag(endpoint, auth, repository, tag, request).catch(() => null);
    if (now === null) throw error;
    return judge(now);
  }
}
