import type { Catalog, CatalogImage } from '../catalog/types.ts';
import type { Finding } from '../findings.ts';

/** Where an image's label is set: image.yml's `label:` line, or the image itself for the default. */
interface LabelOffer {
  image: CatalogImage;
  file: string;
  line: number;
  /** The place as a reader finds it: `images/x/image.yml:2`, or that the image name is the label. */
  where: string;
}

/**
 * DY008: two images offering the same Jenkins label. Jenkins hands a job that asks for the label to
 * either agent, so one of them runs in an image it never asked for. Judged for the affected images,
 * so the change that adds the second image is the one that hears about it.
 */
export function checkLabels(catalog: Pick<Catalog, 'images'>, affected: ReadonlySet<string>): Finding[] {
  const offers = new Map<string, LabelOffer[]>();
  for (const image of catalog.images.values()) {
    // An unusable image.yml is already a finding; its stand-in default label would only add noise.
    if (image.metadataSource?.valid === false) continue;
    const offer = offerOf(image);
    for (const word of new Set(labelWords(image))) offers.set(word, [...(offers.get(word) ?? []), offer]);
  }
  const findings: Finding[] = [];
  for (const [label, offering] of offers) {
    if (offering.length < 2) continue;
    for (const offer of offering) {
      if (!affected.has(offer.image.name)) continue;
      const others = offering.filter((other) => other !== offer);
      // Prefer naming an image the change leaves alone: that one offered the label first.
      others.sort((a, b) => Number(affected.has(a.image.name)) - Number(affected.has(b.image.name)));
      const other = others[0] as LabelOffer;
      const own = offer.image.metadata.label === undefined ? ' (its default label, the image name)' : '';
      findings.push({
        file: offer.file,
        line: offer.line,
        severity: 'error',
        source: 'dockyard',
        rule: 'DY008',
        message: `\`${offer.image.name}\` offers the Jenkins label \`${label}\`${own}, which \`${other.image.name}\` also offers (${other.where}): a job asking for \`${label}\` could get either agent. Give \`${offer.image.name}\` a label of its own: set \`label:\` in ${offer.image.dir}/image.yml.`,
        image: offer.image.name,
      });
    }
  }
  return findings;
}

/** The label words an image is offered under in Jenkins: its `label`, else its name. */
export function labelWords(image: Pick<CatalogImage, 'name' | 'metadata'>): string[] {
  return (image.metadata.label ?? image.name).split(' ');
}

function offerOf(image: CatalogImage): LabelOffer {
  const line = image.metadata.label === undefined ? undefined : image.metadataSource?.lines['label'];
  if (line === undefined || !image.metadataSource) {
    return { image, file: image.dockerfilePath, line: 1, where: 'its default label, the image name' };
  }
  return { image, file: image.metadataSource.file, line, where: `${image.metadataSource.file}:${line}` };
}
