import type { BuildPorts } from '../../src/jobs/build-ports.ts';

/** Resolves once `predicate` holds, polling every 5 ms; rejects after `ms`. */
export function waitFor(predicate: () => boolean, ms = 5_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > ms) reject(new Error('timed out waiting'));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

/**
 * Build ports with nothing real behind them: every build succeeds (image `sha256:<image>`) on
 * BuildKit 0.8, no image is local or pulled, and scans find nothing. `overrides` replaces any port.
 */
export function succeedingBuildPorts(overrides: Partial<BuildPorts> = {}): BuildPorts {
  return {
    buildImage: async (request) => ({ status: 'built', imageId: `sha256:${request.image}`, frontend: 'buildkit-0.8', logTail: [] }),
    engineFrontend: async () => 'buildkit-0.8',
    tagImage: async () => undefined,
    untagImage: async () => undefined,
    pullImage: async () => null,
    hasImage: async () => false,
    scanImage: async () => ({ status: 'ok', vulnerabilities: [], database: { updatedAt: '', nextUpdate: '', stale: false } }),
    ...overrides,
  };
}
