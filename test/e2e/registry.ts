import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { E2e } from './harness.ts';

const stateDir = process.env['DOCKYARD_CI_STATE'] || '/tmp/dockyard-ci';

/** The tags of `<prefix>/<image>` in the CI registry (the ECR data plane), or undefined when it holds none. */
export async function publishedTags(e2e: E2e, image: string): Promise<string[] | undefined> {
  const { registry } = e2e;
  const response = await fetch(`${registry.url}/v2/${e2e.prefix}/${image}/tags/list`, {
    headers: { authorization: `Basic ${Buffer.from(`${registry.user}:${registry.password}`).toString('base64')}` },
  });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`registry answered ${response.status} for the tags of ${image}`);
  const { tags } = (await response.json()) as { tags: string[] | null };
  return tags === null ? undefined : [...tags].sort();
}

/** The manifest digest a tag points at, as the registry answers `HEAD /v2/<name>/manifests/<tag>`. */
export async function tagDigest(e2e: E2e, image: string, tag: string): Promise<string | undefined> {
  const { registry } = e2e;
  const response = await fetch(`${registry.url}/v2/${e2e.prefix}/${image}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      authorization: `Basic ${Buffer.from(`${registry.user}:${registry.password}`).toString('base64')}`,
      accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
    },
  });
  return response.ok ? (response.headers.get('docker-content-digest') ?? undefined) : undefined;
}

/**
 * How many times a manifest was pushed to `<prefix>/<image>` under `tag` (all tags when undefined), counted
 * in the registry's access log (`PUT /v2/<name>/manifests/<reference>` answered 201).
 */
export function manifestPushes(e2e: E2e, image: string, tag?: string): number {
  const log = readFileSync(path.join(stateDir, 'registry', 'registry.log'), 'utf8');
  const pattern = new RegExp(`"PUT /v2/${escape(`${e2e.prefix}/${image}`)}/manifests/${tag === undefined ? '[^ ]+' : escape(tag)} HTTP/1\\.1" 201 `, 'g');
  return log.match(pattern)?.length ?? 0;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
