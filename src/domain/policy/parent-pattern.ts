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
 * same pattern. `*` matches within a path segment, `**` across segments.
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
      if (tagRegex && !tagRegex.test(reference.tag ?? (reference.digest ? '' : 'latest'))) return false;
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

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] ?? '';
    if (ch === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (ch === '*') {
      source += '[^/]*';
    } else {
      source += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
