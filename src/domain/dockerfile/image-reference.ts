/** A container image reference, normalized the way Docker's distribution/reference does. */
export interface ImageReference {
  /** Registry host, `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path, with `library/` added for official Docker Hub images. */
  repository: string;
  tag?: string;
  digest?: string;
}

const componentPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;

/**
 * Parses `[registry/]path[:tag][@digest]`; returns null when the text is not a valid reference.
 * A first component with a `.` or `:`, or `localhost`, is a registry (distribution/reference rules).
 */
export function parseImageReference(text: string): ImageReference | null {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) return null;
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!tagPattern.test(tag)) return null;
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first === 'index.docker.io' ? 'docker.io' : first;
    parts.shift();
  }
  if (parts.length === 0 || !parts.every((part) => componentPattern.test(part))) return null;
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  const reference: ImageReference = { registry, repository: parts.join('/') };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

/** `registry/repository`, the name policies match against. */
export function imageName(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}`;
}

/** The full normalized reference, e.g. `docker.io/library/debian:bookworm@sha256:…`. */
export function formatImageReference(reference: ImageReference): string {
  return (
    imageName(reference) +
    (reference.tag === undefined ? '' : `:${reference.tag}`) +
    (reference.digest === undefined ? '' : `@${reference.digest}`)
  );
}
