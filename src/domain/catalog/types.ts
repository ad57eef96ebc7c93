import type { ImageMetadata } from '../../config/image-metadata-schema.ts';
import type { DockerfileModel } from '../dockerfile/read-dockerfile.ts';
import type { ImageReference } from '../dockerfile/image-reference.ts';
import type { Finding } from '../findings.ts';

/**
 * A file as found in the repository: its bytes, a symlink, nothing, or a file too large to read,
 * judged by the size the repository reports so that its bytes are never fetched.
 */
export type SourceFile =
  | { kind: 'file'; bytes: Uint8Array }
  | { kind: 'symlink'; target: string }
  | { kind: 'missing' }
  | { kind: 'oversized'; size: number };

/** One `images/<name>/` folder as read from the repository, before any judgement. */
export interface ImageFolder {
  name: string;
  /** Git tree sha of the folder, when read from git: equal trees mean equal build contexts. */
  treeSha?: string;
  /** Set when the folder itself is a symlink: where it points. Nothing behind it is read. */
  linkTarget?: string;
  dockerfile: SourceFile;
  metadata: SourceFile;
}

/** What an image's final stage inherits from, followed through earlier stages. */
export type ParentLink =
  | { kind: 'catalog'; name: string; line: number; text: string }
  | { kind: 'upstream'; reference: ImageReference; line: number; text: string }
  | { kind: 'scratch'; line: number; text: string }
  | { kind: 'unknown'; line: number; text: string };

/** A catalog image and everything Dockyard learned from reading it. */
export interface CatalogImage {
  name: string;
  dir: string;
  dockerfilePath: string;
  /** Absent when the Dockerfile could not be read at all. */
  model?: DockerfileModel;
  parent: ParentLink;
  /** Catalog images this one needs built first (from any stage or `COPY --from`), sorted. */
  dependsOn: string[];
  metadata: ImageMetadata;
  /** The image.yml the metadata was read from, with the line of each top-level field; absent without one. */
  metadataSource?: MetadataSource;
}

/** Where an image's metadata came from, so findings about it can point at the right line. */
export interface MetadataSource {
  file: string;
  /** False when the file could not be used (a DY019 finding says why) and defaults stand in for it. */
  valid: boolean;
  lines: Readonly<Record<string, number>>;
}

export interface Catalog {
  /** The catalog folder, e.g. `images`. */
  root: string;
  images: Map<string, CatalogImage>;
  /** Problems found while reading: unreadable Dockerfiles, bad metadata, bad folder names. */
  findings: Finding[];
}
