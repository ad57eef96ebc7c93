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
   * The frontend whose rules the Dockerfile is read by when the mirrors are applied: the one the
   * policy judged it with (`model.frontend`). `defaultFrontend` when absent, as `readDockerfile`.
   */
  frontend?: DockerfileFrontend;
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
  /**
   * The operator's limits and egress rules (operator settings `build`). The app always sets them;
   * without them the build runs unlimited, with the engine's default network unprobed.
   */
  limits?: BuildLimits;
}

/** What one build may use and reach; see `build` in src/config/operator-schema.ts. */
export interface BuildLimits {
  /** The build is cancelled after this long and reported as timed out. */
  timeoutMs: number;
  /**
   * RUN steps' network: `default` is the engine's bridge, used only once a probe showed it cannot
   * reach the engine host or link-local addresses (egress-probe.ts); `none` has no network at all.
   */
  network: 'default' | 'none';
  /** Hosts an ADD source may be fetched from (`*.` for subdomains); the build stops at any other. */
  addHosts: readonly string[];
  /** Largest build context sent, in bytes. */
  maxContextBytes: number;
  /** Most progress output read from one build, in bytes; the build is cancelled beyond it. */
  maxOutputBytes: number;
  /** Image the egress probe runs in; by default the build's own images, in turn. */
  probeImage?: string;
}

export type BuildResult =
  | { status: 'built'; imageId: string; frontend: DockerfileFrontend; logTail: string[] }
  /** The build ran and failed: the failing step and the last lines of its output; `limit` when a limit stopped it. */
  | { status: 'failed'; step?: string; message: string; logTail: string[]; frontend: DockerfileFrontend; limit?: 'timeout' | 'output' }
  /**
   * BuildKit resolved an image the policy did not approve (the reader and BuildKit disagree): the
   * build was cancelled there and nothing it made was tagged.
   */
  | { status: 'unapproved'; image: string; message: string; logTail: string[]; frontend: DockerfileFrontend }
  /** Dockyard refused to send the context (a symlink or path escaping the folder, …). */
  | { status: 'refused'; file: string; message: string };
