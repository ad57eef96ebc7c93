import type { ParentLink } from '../catalog/types.ts';
import { imageName } from '../dockerfile/image-reference.ts';

export interface LabelInputs {
  image: string;
  description?: string;
  /** The repository's web address, e.g. https://github.com/org/agents. */
  source: string;
  revision: string;
  created: Date;
  parent: ParentLink;
  /** For a catalog parent: the image it resolved to in this run. */
  parentImage?: { reference: string; digest: string };
}

/** The OCI labels every catalog image carries (opencontainers image-spec annotations). */
export function imageLabels(inputs: LabelInputs): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': inputs.image,
    'org.opencontainers.image.source': inputs.source,
    'org.opencontainers.image.revision': inputs.revision,
    'org.opencontainers.image.created': inputs.created.toISOString(),
  };
  if (inputs.description) labels['org.opencontainers.image.description'] = inputs.description;
  const { parent } = inputs;
  if (parent.kind === 'upstream') {
    const { tag } = parent.reference;
    labels['org.opencontainers.image.base.name'] = imageName(parent.reference) + (tag === undefined ? '' : `:${tag}`);
    if (parent.reference.digest) labels['org.opencontainers.image.base.digest'] = parent.reference.digest;
  } else if (inputs.parentImage) {
    labels['org.opencontainers.image.base.name'] = inputs.parentImage.reference;
    labels['org.opencontainers.image.base.digest'] = inputs.parentImage.digest;
  }
  return labels;
}
