import { OutsideError, UserError } from '../../errors.ts';

/** The registry refused Dockyard's credentials: an operator must fix them (for ECR, the app role's permissions). */
export class RegistryAuthError extends UserError {
  override name = 'RegistryAuthError';
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/** The registry could not be reached, failed (5xx), or answered outside the Registry API: retry later. */
export class RegistryError extends OutsideError {
  override name = 'RegistryError';
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super('registry', message, options);
    this.status = status;
  }
}

/** A tag already holds a different image than the one being published: tags are never overwritten. */
export class TagConflictError extends UserError {
  override name = 'TagConflictError';
  /** `registry/repository`. */
  readonly repositoryRef: string;
  readonly tag: string;
  /** Manifest digest the tag holds in the registry. */
  readonly publishedDigest: string;
  /** ID of the local image that was to be published. */
  readonly localImageId: string;

  constructor(repositoryRef: string, tag: string, publishedDigest: string, localImageId: string, message: string) {
    super(message);
    this.repositoryRef = repositoryRef;
    this.tag = tag;
    this.publishedDigest = publishedDigest;
    this.localImageId = localImageId;
  }
}
