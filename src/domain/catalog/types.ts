import type { ImageMetadata } from '../../config/image-metadata-schema.ts';
import type { DockerfileModel } from '../dockerfile/read-dockerfile.ts';
import type { ImageReference } from '../dockerfile/image-reference.ts';
import type { Finding } from '../findings.ts';

/** A file as found in the repository: its bytes, a symlink, or nothing. */
export type SourceFile =
  | { kind: 'file'; bytes: Uint8Array }
  | { kind: 'symlink'; target: string }
  | { kind: 'missing' };

/** One `images/<name>/` folder as read from the repository, before any judgement. */
export interface ImageFolder {
  name: string;
  /** Git tree sha of the folder, when read from git: equal trees mean equal build contexts. */
  treeSha?: string;
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
}

export interface Catalog {
  /** The catalog folder, e.g. `images`. */
  root: string;
  images: Map<string, CatalogImage>;
  /** Problems found while reading: unreadable Dockerfiles, bad metadata, bad folder names. */
  findings: Finding[];
}
