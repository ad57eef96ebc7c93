import type { DockerfileFrontend } from './frontend.ts';

/** A container image reference, normalized the way Docker's distribution/reference does. */
export interface ImageReference {
  /** Registry host, `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path, with `library/` added for official Docker Hub images. */
  repository: string;
  tag?: string;
  digest?: string;
}

// distribution/reference grammar (regexp.go): v0.6.0 for BuildKit v0.34.2, docker/distribution
// v2.7.1 for v0.8.3 (no IPv6 hosts there). Path components: `[a-z0-9]+` joined by `.`, `_`, `__`
// or dashes.
const pathPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainPattern = new RegExp(`^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const domainPatternV08 = new RegExp(`^${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?$`);
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const identifierPattern = /^[a-f0-9]{64}$/;
// go-digest v1.0.0: the algorithms BuildKit links, and how long their hex is.
const digestLengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export type ParsedReference = { ok: true; reference: ImageReference } | { ok: false; error: string };

/**
 * reference.ParseNormalizedNamed exactly as the frontend's BuildKit links it: Docker Hub names get
 * `docker.io/` and `library/`, a first component is a registry when it has a `.` or `:`, is
 * `localhost` (or, in v0.34.2, is not lower case), and digests must be a known algorithm's length.
 */
export function parseNormalizedNamed(text: string, frontend: DockerfileFrontend = 'buildkit-0.34'): ParsedReference {
  const modern = frontend !== 'buildkit-0.8';
  const fail = (error: string): ParsedReference => ({ ok: false, error });
  if (identifierPattern.test(text)) return fail(`invalid repository name (${text}), cannot specify 64-byte hexadecimal strings`);
  let domain = 'docker.io';
  let remainder = text;
  const slash = text.indexOf('/');
  if (slash !== -1) {
    const first = text.slice(0, slash);
    const isDomain = first === 'localhost' || first === 'index.docker.io' || /[.:]/.test(first) || (modern && first.toLowerCase() !== first);
    if (isDomain) {
      domain = first === 'index.docker.io' ? 'docker.io' : first;
      remainder = text.slice(slash + 1);
    }
  }
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  const colon = remainder.indexOf(':');
  const remote = colon === -1 ? remainder : remainder.slice(0, colon);
  if (remote.toLowerCase() !== remote) return fail(`invalid reference format: repository name (${remote}) must be lowercase`);
  // reference.Parse(domain + "/" + remainder): name[:tag][@digest].
  let rest = remainder;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) return fail('invalid reference format');
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!tagPattern.test(tag)) return fail('invalid reference format');
  }
  if (!(modern ? domainPattern : domainPatternV08).test(domain) || !pathPattern.test(rest)) return fail('invalid reference format');
  if ((modern ? rest.length : domain.length + 1 + rest.length) > 255) return fail('repository name must not be more than 255 characters');
  if (digest !== undefined) {
    const sep = digest.indexOf(':');
    const length = digestLengths[digest.slice(0, sep)];
    if (length === undefined) return fail('unsupported digest algorithm');
    const encoded = digest.slice(sep + 1);
    if (encoded.length !== length || !/^[a-f0-9]+$/.test(encoded)) return fail('invalid checksum digest format');
  }
  const reference: ImageReference = { registry: domain, repository: rest };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return { ok: true, reference };
}

/**
 * Parses `[registry/]path[:tag][@digest]` as BuildKit does (parseNormalizedNamed); null when the
 * text is not a valid reference.
 */
export function parseImageReference(text: string, frontend: DockerfileFrontend = 'buildkit-0.34'): ImageReference | null {
  const parsed = parseNormalizedNamed(text, frontend);
  return parsed.ok ? parsed.reference : null;
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
