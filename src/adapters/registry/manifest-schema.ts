import { z } from 'zod';

/** Media types of the manifests Dockyard reads, single-image first. */
export const mediaTypes = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

const indexTypes: readonly string[] = [mediaTypes.dockerManifestList, mediaTypes.ociIndex];

const digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'must be a digest such as sha256:…');

const descriptor = z.looseObject({ mediaType: z.string(), digest, size: z.number() });

/** A single-image manifest (Docker schema2 or OCI): its config and layers. */
export const imageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptor,
  layers: z.array(descriptor),
});

/** A multi-platform index (Docker manifest list or OCI index). */
export const imageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(
    descriptor.extend({
      platform: z.looseObject({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).optional(),
    }),
  ),
});

/** Whether a manifest is an index: by the answer's Content-Type if it is one of ours, else by `mediaType`, else by shape. */
export function isIndex(contentType: string | null, manifest: { mediaType?: unknown; manifests?: unknown }): boolean {
  const type = contentType?.split(';')[0]?.trim() ?? '';
  if (Object.values<string>(mediaTypes).includes(type)) return indexTypes.includes(type);
  if (typeof manifest.mediaType === 'string') return indexTypes.includes(manifest.mediaType);
  return Array.isArray(manifest.manifests);
}

/** The parts of an image config Dockyard reads; the rest is kept as it came. */
export const imageConfigSchema = z.looseObject({
  architecture: z.string().optional(),
  os: z.string().optional(),
  config: z.looseObject({ Labels: z.record(z.string(), z.string()).nullable().optional() }).optional(),
});

export type ImageConfig = z.infer<typeof imageConfigSchema>;
