/** The CI engine and registry the publish benchmarks use: scripts/ci's state files, overridable from the environment. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface CiEnv {
  /** `127.0.0.1:5000` */
  registry: string;
  /** `http://127.0.0.1:5000` */
  registryUrl: string;
  user: string;
  password: string;
  /** `127.0.0.1:5000/mirror`, standing for `docker.io`. */
  mirrorPrefix: string;
  /** Registry digest of the `jenkins/inbound-agent` stand-in. */
  standinDigest: string;
  /** Debian's docker CLI (20.10, with the embedded BuildKit client); `DOCKYARD_BENCH_DOCKER` overrides. */
  dockerBin: string;
}

export function readCiEnv(): CiEnv {
  const state = process.env.DOCKYARD_CI_STATE ?? '/tmp/dockyard-ci';
  const env = { ...readEnvFile(path.join(state, 'registry.env')), ...readEnvFile(path.join(state, 'images.env')) };
  const need = (name: string) => {
    const value = process.env[name] ?? env[name];
    if (!value) throw new Error(`${name} is not set: run scripts/ci/start-registry.sh and make-root-image.sh first (state in ${state})`);
    return value;
  };
  return {
    registry: need('DOCKYARD_REGISTRY'),
    registryUrl: need('DOCKYARD_REGISTRY_URL'),
    user: need('DOCKYARD_REGISTRY_USER'),
    password: need('DOCKYARD_REGISTRY_PASSWORD'),
    mirrorPrefix: need('DOCKYARD_MIRROR_PREFIX'),
    standinDigest: need('DOCKYARD_STANDIN_DIGEST'),
    dockerBin: process.env.DOCKYARD_BENCH_DOCKER ?? '/usr/bin/docker',
  };
}

function readEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) out[match[1] as string] = (match[2] as string).replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  return out;
}
