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
// or dashes (isPath); domains: components of `[a-zA-Z0-9-]` that start and end alphanumeric,
// joined by `.` (isDomainName).
// Tags: `[\w][\w.-]{0,127}` (isTag); digests: `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}` (isDigest).
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
  if (text.length === 64 && identifierPattern.test(text)) return fail(`invalid repository name (${text}), cannot specify 64-byte hexadecimal strings`);
  let domain = 'docker.io';
  let remainder = text;
  const slash = text.indexOf('/');
  if (slash !== -1) {
    const first = text.slice(0, slash);
    const isDomain = first === 'localhost' || first === 'index.docker.io' || first.includes('.') || first.includes(':') || (modern && changesInLowerCase(first));
    if (isDomain) {
      domain = first === 'index.docker.io' ? 'docker.io' : first;
      remainder = text.slice(slash + 1);
    }
  }
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  const colon = remainder.indexOf(':');
  const remote = colon === -1 ? remainder : remainder.slice(0, colon);
  if (changesInLowerCase(remote)) return fail(`invalid reference format: repository name (${remote}) must be lowercase`);
  // reference.Parse(domain + "/" + remainder): name[:tag][@digest].
  let rest = remainder;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return fail('invalid reference format');
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!isTag(tag)) return fail('invalid reference format');
  }
  // reference.Parse matches `[domain/]path` as one pattern: a first part that is no domain name but is
  // a path component (`a.b_c`) makes the whole name a path (distribution/reference regexp.go, NameRegexp).
  const pathOnly = !isDomainName(domain, modern);
  if (pathOnly ? !isPath(`${domain}/${rest}`) : !isPath(rest)) return fail('invalid reference format');
  if ((modern && !pathOnly ? rest.length : domain.length + 1 + rest.length) > 255) return fail('repository name must not be more than 255 characters');
  if (digest !== undefined) {
    const sep = digest.indexOf(':');
    const length = digestLengths[digest.slice(0, sep)];
    if (length === undefined) return fail('unsupported digest algorithm');
    const encoded = digest.slice(sep + 1);
    if (encoded.length !== length || !isLowerHex(encoded)) return fail('invalid checksum digest format');
  }
  // One literal per shape: properties added later would take an extra allocation per reference.
  let reference: ImageReference;
  if (tag === undefined) reference = digest === undefined ? { registry: domain, repository: rest } : { registry: domain, repository: rest, digest };
  else reference = digest === undefined ? { registry: domain, repository: rest, tag } : { registry: domain, repository: rest, tag, digest };
  return { ok: true, reference };
}

/** Whether `text.toLowerCase() !== text`, without making the lower-case copy for ASCII text. */
function changesInLowerCase(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return text.toLowerCase() !== text;
    if (code >= 65 && code <= 90) return true;
  }
  return false;
}

function isAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isLowerAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 122);
}

function isDigits(text: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

function isLowerHex(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isWordCharacter(code: number): boolean {
  return isAlphanumeric(code) || code === 95;
}

/** The tag grammar: a word character, then up to 127 word characters, dots and dashes. */
function isTag(tag: string): boolean {
  if (tag.length === 0 || tag.length > 128 || !isWordCharacter(tag.charCodeAt(0))) return false;
  for (let i = 1; i < tag.length; i++) {
    const code = tag.charCodeAt(i);
    if (!isWordCharacter(code) && code !== 46 && code !== 45) return false;
  }
  return true;
}

/** The digest grammar: an algorithm (letter-led parts joined by `-_+.`), `:`, 32 or more hex digits. */
function isDigest(digest: string): boolean {
  const colon = digest.indexOf(':');
  if (colon === -1 || digest.length - colon - 1 < 32) return false;
  let i = 0;
  for (;;) {
    if (i >= colon || !isLetter(digest.charCodeAt(i))) return false;
    i++;
    while (i < colon && isAlphanumeric(digest.charCodeAt(i))) i++;
    if (i === colon) break;
    const code = digest.charCodeAt(i);
    if (code !== 45 && code !== 95 && code !== 43 && code !== 46) return false;
    i++;
  }
  for (let j = colon + 1; j < digest.length; j++) {
    const code = digest.charCodeAt(j);
    if (!((code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}

/**
 * The domain grammar (`domainPattern`, `domainPatternV08`) walked by hand: components of letters,
 * digits and inner dashes joined by `.`, or (v0.34 only) an IPv6 address in brackets; then an
 * optional `:port`.
 */
function isDomainName(domain: string, modern: boolean): boolean {
  const length = domain.length;
  let end: number;
  if (domain.charCodeAt(0) === 91) {
    if (!modern) return false;
    const close = domain.indexOf(']');
    if (close < 2) return false;
    for (let i = 1; i < close; i++) {
      const code = domain.charCodeAt(i);
      if (!((code >= 48 && code <= 58) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102))) return false;
    }
    end = close + 1;
  } else {
    end = 0;
    for (;;) {
      // One component: alphanumeric at both ends, dashes allowed inside.
      const start = end;
      while (end < length && (isAlphanumeric(domain.charCodeAt(end)) || domain.charCodeAt(end) === 45)) end++;
      if (end === start || !isAlphanumeric(domain.charCodeAt(start)) || !isAlphanumeric(domain.charCodeAt(end - 1))) return false;
      if (end < length && domain.charCodeAt(end) === 46) {
        end++;
        continue;
      }
      break;
    }
  }
  if (end === length) return true;
  return domain.charCodeAt(end) === 58 && isDigits(domain, end + 1, length);
}

/**
 * The path grammar (`pathPattern`) walked by hand: `/`-separated components of lower-case letters
 * and digits, joined inside a component by `.`, `_`, `__` or any number of dashes.
 */
function isPath(path: string): boolean {
  const length = path.length;
  let i = 0;
  for (;;) {
    // A component starts with a run of [a-z0-9].
    if (i >= length || !isLowerAlphanumeric(path.charCodeAt(i))) return false;
    while (i < length && isLowerAlphanumeric(path.charCodeAt(i))) i++;
    if (i === length) return true;
    const code = path.charCodeAt(i);
    if (code === 47) {
      i++;
      continue;
    }
    // A separator, then another run of [a-z0-9].
    if (code === 46) i++;
    else if (code === 95) i += path.charCodeAt(i + 1) === 95 ? 2 : 1;
    else if (code === 45) while (i < length && path.charCodeAt(i) === 45) i++;
    else return false;
    if (i >= length || !isLowerAlphanumeric(path.charCodeAt(i))) return false;
  }
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
