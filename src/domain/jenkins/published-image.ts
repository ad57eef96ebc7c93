import type { TemplateOverrides } from '../../config/jenkins-schema.ts';

/** An image already pushed to the registry, ready to become a Jenkins agent template. */
export interface PublishedImage {
  /** Catalog name: the folder under `images/`. */
  name: string;
  /** Jenkins label from `images/<name>/image.yml`. */
  label: string;
  /** Pinned reference, `<repository>@sha256:<digest>`, so Jenkins runs exactly what was scanned. */
  imageRef: string;
  /** The image's own `jenkins:` overrides, if any. */
  overrides?: TemplateOverrides | undefined;
}

const digestPinned = /^[^\s@]+@sha256:[a-f0-9]{64}$/;

/** Throws unless the reference is pinned by digest: a tag could move after the scan that approved it. */
export function assertDigestPinned(image: PublishedImage): void {
  if (!digestPinned.test(image.imageRef)) {
    throw new Error(`Image "${image.name}" must be referenced by digest (repo@sha256:…), got "${image.imageRef}"`);
  }
}
