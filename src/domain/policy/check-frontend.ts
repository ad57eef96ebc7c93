import type { ApprovedFrontend } from '../../config/schema.ts';
import { formatImageReference, parseImageReference } from '../dockerfile/image-reference.ts';
import type { DockerfileModel } from '../dockerfile/read-dockerfile.ts';
import { compileImagePattern, type ImagePattern } from './parent-pattern.ts';

/** An approved-frontend entry compiled for matching. */
export interface CompiledFrontend extends ImagePattern {
  entry: ApprovedFrontend;
}

type Report = (line: number, rule: string, message: string) => void;

/** Compiles the `parents.frontends` entries, in config order. */
export function compileFrontends(entries: readonly ApprovedFrontend[]): CompiledFrontend[] {
  return entries.map((entry) => ({ entry, ...compileImagePattern(entry.pattern) }));
}

/**
 * The entry approving the frontend image a `# syntax=` names, pinned or not: the Dockerfile is read
 * by its rules either way, and DY007 reports a missing pin.
 */
export function approvedFrontendFor(image: string, frontends: readonly CompiledFrontend[]): CompiledFrontend | undefined {
  const reference = parseImageReference(image);
  return reference ? frontends.find((frontend) => frontend.matches(reference)) : undefined;
}

/**
 * DY007: a `# syntax=` directive hands the whole build, registry credentials included, to the image
 * it names, so that image is judged like a parent, and must always be pinned since a tag can move.
 * Without the directive the engine's built-in frontend builds the file: nothing to judge.
 */
export function checkFrontend(model: DockerfileModel, frontends: readonly CompiledFrontend[], error: Report): void {
  const syntax = model.directives.syntax;
  if (!syntax) return;
  const written = `\`# syntax=${syntax.image}\``;
  const reference = parseImageReference(syntax.image);
  if (!reference) {
    error(syntax.line, 'DY007', `${written} does not name a valid image reference, so the build would fail. ${describeAllowed(frontends)}`);
    return;
  }
  const shown = formatImageReference(reference);
  const approving = frontends.find((frontend) => frontend.matches(reference));
  if (!approving) {
    error(
      syntax.line,
      'DY007',
      `${written} hands the build, with its registry credentials, to \`${shown}\`, which is not an approved frontend. ${describeAllowed(frontends)}`,
    );
  } else if (reference.digest === undefined) {
    error(
      syntax.line,
      'DY007',
      `\`${shown}\` must be pinned by digest: a frontend runs code over the whole build, and a tag can move (approved as \`${approving.normalized}\`). Write \`# syntax=${syntax.image}@sha256:<digest>\`; \`docker buildx imagetools inspect ${syntax.image}\` prints it.`,
    );
  }
}

function describeAllowed(frontends: readonly CompiledFrontend[]): string {
  if (frontends.length === 0) {
    return `No frontends are approved (\`parents.frontends\` in .github/dockyard.yml): remove the \`# syntax\` line to build with the engine's built-in frontend.`;
  }
  const listed = frontends.map((frontend) => `\`${frontend.normalized}\` (reads as ${frontend.entry.readsAs})`).join(', ');
  return `Allowed: ${listed}, each pinned by digest. Approve another under \`parents.frontends\` in .github/dockyard.yml, or remove the \`# syntax\` line to build with the engine's built-in frontend.`;
}
