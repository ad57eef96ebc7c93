/**
 * The Dockerfile frontends Dockyard reads exactly as they do, each named after the BuildKit release
 * whose `frontend/dockerfile` packages it is verified against (test/tools/buildkit-oracle).
 * A Dockerfile means what the frontend that builds it says, so every reading names its frontend.
 */
export const dockerfileFrontends = {
  /** The frontend built into Docker Engine 20.10 (BuildKit v0.8): no heredocs, no `# check=`. */
  'buildkit-0.8': { buildkit: 'v0.8.3' },
  /** A current BuildKit frontend: heredocs, `# check=`, the newer variable expansions. */
  'buildkit-0.34': { buildkit: 'v0.34.2' },
} as const;

export type DockerfileFrontend = keyof typeof dockerfileFrontends;

/** What `dockyard check` reads with when nothing says which frontend builds the images. */
export const defaultFrontend: DockerfileFrontend = 'buildkit-0.34';
