import type { RegistryCredential } from './types.ts';

// Docker Hub answers under several names.
const dockerHubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The credential for exactly this registry host, if one was given; never another host's. */
export function credentialForHost(
  host: string,
  credentials: readonly RegistryCredential[],
): RegistryCredential | undefined {
  const wanted = normalizeHost(host);
  return credentials.find((credential) => normalizeHost(credential.registry) === wanted);
}

function normalizeHost(host: string): string {
  const bare = host.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return dockerHubHosts.has(bare) ? 'docker.io' : bare;
}
