import type { RegistryCredential } from './types.ts';

// Docker Hub answers under several names; BuildKit asks for `registry-1.docker.io`.
const dockerHubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
// The key the classic builder looks Docker Hub credentials up by (registry.IndexServer in moby).
const dockerHubConfigKey = 'https://index.docker.io/v1/';

/** The credential for exactly this registry host, if one was given; never another host's. */
export function credentialForHost(
  host: string,
  credentials: readonly RegistryCredential[],
): RegistryCredential | undefined {
  const wanted = normalizeHost(host);
  return credentials.find((credential) => normalizeHost(credential.registry) === wanted);
}

/** The classic builder's `X-Registry-Config`: every credential keyed by its host, as `docker build` sends it. */
export function classicRegistryConfig(
  credentials: readonly RegistryCredential[],
): Record<string, { username: string; password: string; serveraddress: string }> {
  const config: Record<string, { username: string; password: string; serveraddress: string }> = {};
  for (const credential of credentials) {
    const host = normalizeHost(credential.registry);
    const key = host === 'docker.io' ? dockerHubConfigKey : host;
    config[key] = { username: credential.username, password: credential.password, serveraddress: key };
  }
  return config;
}

function normalizeHost(host: string): string {
  const bare = host.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return dockerHubHosts.has(bare) ? 'docker.io' : bare;
}
