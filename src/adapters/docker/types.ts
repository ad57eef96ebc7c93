import type { DockerfileFrontend } from '../../domain/dockerfile/frontend.ts';

/** Credentials for one registry host, handed to the Docker engine only to pull or push images. */
export interface RegistryCredential {
  /** Host and optional port exactly as it appears in image references, e.g. `127.0.0.1:5000`. */
  registry: string;
  username: string;
  password: string;
}

/** Pull upstream images through a mirror: `docker.io/jenkins/x` becomes `<to>/jenkins/x`, digest kept. */
export interface Mirror {
  /** Registry host (normalized) whose images are mirrored, e.g. `docker.io`. */
  from: string;
  /** Registry host plus optional path prefix serving them, e.g. `123.dkr.ecr.eu-west-1.amazonaws.com/docker-hub`. */
  to: string;
}

/** One image to build from its own folder. */
export interface BuildRequest {
  /** Catalog image name, for messages. */
  image: string;
  /** Absolute path of the image folder; the build context is this folder and nothing outside it. */
  contextDir: string;
  /** Full references to tag the result with. */
  tags: string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** Upstream mirrors, applied to the FROM / COPY --from references sent to the engine. */
  mirrors: readonly Mirror[];
  /**
   * Every image the policy approved for this build, as BuildKit names them (`buildkitImageName`):
   * after mirrors, with catalog parents under their run-local names. The build stops at the first
   * image BuildKit resolves that is not one of them.
   */
  expectedImages: readonly string[];
  /**
   * Registry credentials, matched by host, used only to pull each expected image by its exact
   * reference before the build; the build itself gets none.
   */
  credentials: readonly RegistryCredential[];
  noCache?: boolean;
  signal?: AbortSignal;
}

export type BuildResult =
  | { status: 'built'; imageId: string; frontend: DockerfileFrontend; logTail: string[] }
  /** The build ran and failed: the failing step and the last lines of its output. */
  | { status: 'failed'; step?: string; message: string; logTail: string[]; frontend: DockerfileFrontend }
  /**
   * BuildKit resolved an image the policy did not approve (the reader and BuildKit disagree): the
   * build was cancelled there and nothing it made was tagged.
   */
  | { status: 'unapproved'; image: string; message: string; logTail: string[]; frontend: DockerfileFrontend }
  /** Dockyard refused to send the context (a symlink or path escaping the folder, …). */
  | { status: 'refused'; file: string; message: string };
