import { formatImageReference, parseImageReference } from '../../domain/dockerfile/image-reference.ts';

/**
 * An image reference as BuildKit names it: distribution/reference's `ParseNormalizedNamed` then
 * `TagNameOnly` (`alpine` → `docker.io/library/alpine:latest`; a digest without a tag keeps no tag).
 * Undefined when the text is not a reference.
 */
export function buildkitImageName(text: string): string | undefined {
  const reference = parseImageReference(text.trim());
  if (!reference) return undefined;
  if (reference.tag === undefined && reference.digest === undefined) reference.tag = 'latest';
  return formatImageReference(reference);
}

// The vertex names under which BuildKit v0.8 (Docker Engine 20.10) resolves or pulls an image, as it
// prints them (each checked against that engine in test/adapters/docker/unapproved-images.test.ts):
// - `[internal] load metadata for <ref>`: the Dockerfile frontend resolving a stage's base image
//   (frontend/dockerfile/dockerfile2llb/convert.go, `LogName`);
// - `resolve image config for <ref>`: the default name of `llbBridge.ResolveImageConfig`
//   (solver/llbsolver/bridge.go), under which a `# syntax=` frontend image is resolved;
// - `[<stage> n/m] FROM <ref>`: a stage's image source op (dockerfile2llb, `prefixCommand`);
// - `FROM <ref>`: the source op of an image `COPY --from` / `RUN --mount=from=` reads;
// - `docker-image://<ref>`: an image source op without a custom name (the `# syntax=` frontend's).
const vertexPatterns = [
  /^\[internal\] load metadata for (\S+)$/,
  /^resolve image config for (\S+)$/,
  /^(?:\[[^\]]*\] )?FROM (\S+)/,
  /^docker-image:\/\/(\S+)$/,
];

/** The image a BuildKit vertex resolves or pulls, normalized as BuildKit names it; undefined for other vertexes. */
export function imageOfVertex(name: string): string | undefined {
  for (const pattern of vertexPatterns) {
    const written = pattern.exec(name)?.[1];
    // A name BuildKit printed but that is no valid reference still names an image: keep it as printed.
    if (written !== undefined) return buildkitImageName(written) ?? written;
  }
  return undefined;
}

// The vertex names under which BuildKit v0.8 fetches an ADD source (checked against that engine in
// test/adapters/docker/build-egress.test.ts):
// - `http://…` / `https://…`: the `llb.HTTP` source op, which dockerfile2llb/convert.go dispatchCopy
//   creates without a custom name, so the solver shows its identifier, the URL;
// - `[<stage> n/m] ADD <sources> <dest>`: the copy step (prefixCommand), which newer frontends also
//   give to their `llb.HTTP` / `llb.Git` sources (v0.34.2 dockerfile2llb/convert_copy.go, `pgName`).
const urlVertex = /^[a-zA-Z0-9][a-zA-Z0-9+.-]*:\/\/\S+$/;
const addVertex = /^(?:\[[^\]]*\] )?(?:ONBUILD )?ADD (.*)$/i;

/** The sources a BuildKit vertex fetches that may be remote (URLs, git remotes), as printed. */
export function addSourcesOfVertex(name: string): string[] {
  if (urlVertex.test(name)) return [name];
  const add = addVertex.exec(name);
  if (!add) return [];
  // Shell or JSON form; flags and the destination (the last word) are not sources.
  const words = (add[1] ?? '').split(/[\s",[\]]+/).filter((word) => word !== '' && !word.startsWith('--'));
  return words.slice(0, -1);
}
