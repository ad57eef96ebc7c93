import picomatch from 'picomatch';
import type { ApprovedParent } from '../../config/schema.ts';
import { imageName, type ImageReference } from '../dockerfile/image-reference.ts';

/** An approved-parent entry compiled for matching. */
export interface CompiledParent {
  entry: ApprovedParent;
  /** The pattern normalized the way references are, e.g. `docker.io/library/debian:*`. */
  normalized: string;
  matches(reference: ImageReference): boolean;
  /** True when a FROM matched by this entry must carry a digest. */
  requiresDigest: boolean;
}

/** An image pattern compiled for matching. */
export interface ImagePattern {
  /** The pattern normalized the way references are, e.g. `docker.io/library/debian:*`. */
  normalized: string;
  /** True when the pattern names a digest, so only that digest matches. */
  pinned: boolean;
  matches(reference: ImageReference): boolean;
}

/**
 * Compiles an image pattern. The name part is normalized like a reference (no registry means
 * Docker Hub, one component means `library/`), so `debian` and `docker.io/library/debian` are the
 * same pattern. Globs as picomatch documents them: `*` within a path segment, `**` across segments,
 * `?`, `[…]`, `{a,b}`.
 */
export function compileImagePattern(pattern: string): ImagePattern {
  let rest = pattern.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const name = normalizeName(rest);
  const nameRegex = globToRegExp(name);
  const tagRegex = tag === undefined ? undefined : globToRegExp(tag);
  return {
    normalized: name + (tag === undefined ? '' : `:${tag}`) + (digest === undefined ? '' : `@${digest}`),
    pinned: digest !== undefined,
    matches(reference) {
      if (!nameRegex.test(imageName(reference))) return false;
      const tagText = reference.tag ?? (reference.digest ? '' : 'latest');
      // A digest-only reference has no tag: only a pattern whose tag is all stars (`node:*`) takes it.
      if (tagRegex && !(tagText === '' ? /^\*+$/.test(tag ?? '') : tagRegex.test(tagText))) return false;
      return digest === undefined || reference.digest === digest;
    },
  };
}

/** Compiles an approved-parent entry; a digest in its pattern requires one on the FROM line too. */
export function compileParent(entry: ApprovedParent, requireDigestEverywhere: boolean): CompiledParent {
  const { normalized, pinned, matches } = compileImagePattern(entry.pattern);
  return {
    entry,
    normalized,
    requiresDigest: requireDigestEverywhere || entry.requireDigest === true || pinned,
    matches,
  };
}

function normalizeName(name: string): string {
  if (name === 'scratch' || name.startsWith('**')) return name;
  const parts = name.split('/');
  const first = parts[0] ?? '';
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return first === 'index.docker.io' ? ['docker.io', ...parts.slice(1)].join('/') : name;
  return parts.length === 1 ? `docker.io/library/${name}` : `docker.io/${name}`;
}

// picomatch gives the documented glob semantics (https://github.com/micromatch/picomatch#globbing-features):
// `*` within a path segment, `**` as a whole segment across segments, `?`, `[abc]`, `{a,b}` and extglobs.
// Dots are ordinary characters in image names and tags, so `dot` is on; nothing is case-folded.
function globToRegExp(glob: string): RegExp {
  return picomatch.makeRe(glob, { dot: true, strictSlashes: true });
}
