/** Registry credentials for pushing, as the ECR token gives them. */
export interface PushAuth {
  /** Registry host, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  registry: string;
  /** Base URL of the registry API, e.g. `https://…`. */
  endpoint: string;
  username: string;
  password: string;
}

/** What publishing needs from ECR and the registry; injected so it can be tested. */
export interface PublishPorts {
  /** Creates the ECR repository with the configured settings when it is missing. */
  ensureRepository(repositoryName: string): Promise<{ created: boolean }>;
  registryAuth(): Promise<PushAuth>;
  /**
   * Pushes an immutable tag: `already-published` when the tag exists with the same image (a replay),
   * a TagConflictError when it exists with another.
   */
  publishTag(
    imageId: string,
    repositoryName: string,
    tag: string,
    auth: PushAuth,
  ): Promise<{ outcome: 'pushed' | 'already-published'; digest: string }>;
  /** Moves the mutable tag children build from to this image. */
  pushMovingTag(imageId: string, repositoryName: string, tag: string, auth: PushAuth): Promise<{ digest: string }>;
}
