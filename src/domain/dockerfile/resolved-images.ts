import { formatImageReference } from './image-reference.ts';
import type { DockerfileModel, ImageSource } from './read-dockerfile.ts';

// What readDockerfile found the default target pulls, per model (it knows states the model does not list).
const pulls = new WeakMap<DockerfileModel, readonly string[]>();

/** Remembers the images a reading found the default target pulls (normalized references). */
export function recordPulls(model: DockerfileModel, images: readonly string[]): void {
  pulls.set(model, images.length < 2 ? images : [...new Set(images)].sort());
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
  if (recorded) return [...recorded];
  const images = new Set<string>();
  const seen = new Set<number>();
  const queue = [model.stages.length - 1];
  const follow = (source: ImageSource) => {
    if (source.kind === 'stage') queue.push(source.stage);
    else if (source.kind === 'image') images.add(normalized(source));
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

function normalized(source: Extract<ImageSource, { kind: 'image' }>): string {
  const { reference } = source;
  if (reference.tag === undefined && reference.digest === undefined) return formatImageReference({ ...reference, tag: 'latest' });
  return formatImageReference(reference);
}
