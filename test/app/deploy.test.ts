import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

interface Service {
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: string[];
}

describe('deploy/compose.yaml', () => {
  const compose = parse(readFileSync(path.join(root, 'deploy/compose.yaml'), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

  it("keeps the app's state on a named volume where the image keeps it", () => {
    const stateDir = /DOCKYARD_STATE_DIR=(\S+)/.exec(dockerfile)?.[1] ?? '';
    const app = compose.services['dockyard'];
    const stateVolume = app?.volumes?.find((volume) => stateDir.startsWith(`${volume.split(':')[1]}/`));
    expect(stateVolume).toBe('dockyard-state:/var/lib/dockyard');
    expect(Object.keys(compose.volumes)).toContain('dockyard-state');
  });

  it('builds on a Docker Engine 20.10 reached over TLS, with the key as a secret', () => {
    expect(compose.services['docker']?.image).toMatch(/^docker\.io\/library\/docker:20\.10\.\d+-dind/);
    expect(compose.services['dockyard']?.environment).toMatchObject({ DOCKER_HOST: 'tcp://docker:2376', DOCKER_TLS_VERIFY: '1' });
    expect(compose.services['dockyard']?.secrets).toEqual(['dockyard.private-key.pem']);
  });
});
