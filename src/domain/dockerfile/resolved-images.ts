import { formatImageReference, type ImageReference } from './image-reference.ts';
import type { DockerfileModel, ImageSource } from './read-dockerfile.ts';

// What readDockerfile found the default target pulls, per model (it knows states the model does not list);
// a single image is kept as itself rather than in a list of one.
const pulls = new WeakMap<DockerfileModel, readonly ImageReference[] | ImageReference>();
const none: readonly ImageReference[] = [];

/** Remembers the images a reading found the default target pulls (parsed references, formatted when asked for). */
export function recordPulls(model: DockerfileModel, images: readonly ImageReference[]): void {
  pulls.set(model, images.length === 0 ? none : images.length === 1 ? (images[0] as ImageReference) : images);
}

/**
 * The images a build of the default target (the last stage) pulls, as BuildKit normalizes them
 * (`docker.io/library/alpine:latest`: reference.TagNameOnly adds `:latest` to an untagged name):
 * the bases of every stage it reaches through FROM, `COPY --from` and `RUN --mount from=` (and, with
 * v0.34, the ONBUILD triggers of the stages it builds on), and the images those name directly.
 * Sorted, distinct. Empty when BuildKit refuses the file.
 */
export function resolvedImages(model: DockerfileModel): string[] {
  if (model.problems.some((problem) => problem.rejected) || model.stages.length === 0) return [];
  const recorded = pulls.get(model);
  if (recorded) {
    const names = 'registry' in recorded ? [normalizedName(recorded)] : recorded.map(normalizedName);
    return names.length < 2 ? names : [...new Set(names)].sort();
  }
  const images = new Set<string>();
  const seen = new Set<number>();
  const queue = [model.stages.length - 1];
  const follow = (source: ImageSource) => {
    if (source.kind === 'stage') queue.push(source.stage);
    else if (source.kind === 'image') images.add(normalizedName(source.reference));
  };
  while (queue.length > 0) {
    const index = queue.pop() ?? 0;
    if (seen.has(index)) continue;
    seen.add(index);
    const stage = model.stages[index];
    if (!stage) continue;
    follow(stage.source);
    const base = stage.source.kind === 'stage' ? stage.source.stage : undefined;
    for (const use of model.uses) {
      if (use.onbuild ? use.stage === base && model.frontend !== 'buildkit-0.8' : use.stage === index) follow(use.source);
    }
  }
  return [...images].sort();
}

/** reference.TagNameOnly: an untagged name without a digest pulls `:latest`. */
function normalizedName(reference: ImageReference): string {
  if (reference.tag === undefined && reference.digest === undefined) return formatImageReference({ ...reference, tag: 'latest' });
  return formatImageReference(reference);
}
