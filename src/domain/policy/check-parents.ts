import type { Config } from '../../config/schema.ts';
import { linkTo } from '../catalog/build-catalog.ts';
import { catalogNameOf, catalogRepository } from '../catalog/catalog-reference.ts';
import type { Catalog, CatalogImage, ParentLink } from '../catalog/types.ts';
import { formatImageReference } from '../dockerfile/image-reference.ts';
import { rootSource } from '../dockerfile/read-dockerfile.ts';
import type { Finding } from '../findings.ts';
import type { InheritanceGraph } from '../graph/inheritance-graph.ts';
import { checkFrontend, compileFrontends } from './check-frontend.ts';
import { compileParent, type CompiledParent } from './parent-pattern.ts';

export type PolicyConfig = Pick<Config, 'parents' | 'registry' | 'prefix' | 'registryArg'>;

/** The verdict on one image's final parent, for the report table. */
export type ParentVerdict = 'approved' | 'catalog' | 'not-approved' | 'unpinned' | 'missing' | 'cycle' | 'unreadable';

export interface PolicyResult {
  findings: Finding[];
  verdicts: Map<string, ParentVerdict>;
}

/** What the policy needs to know about the change. */
export interface PolicyScope {
  /** Images whose parents are judged: the changed images and their descendants. */
  affected: ReadonlySet<string>;
  /** Images the change removes, to explain references to them. */
  removed: ReadonlySet<string>;
}

/**
 * Judges parents, and the frontend a `# syntax=` directive names. Structure (references to images
 * not in the catalog, cycles) is checked for every image, since one broken link blocks the whole
 * subtree; the approved-parent and frontend rules for the affected images only, so a change is
 * judged by what it touches.
 */
export function checkParents(
  catalog: Catalog,
  graph: InheritanceGraph,
  config: PolicyConfig,
  scope: PolicyScope,
): PolicyResult {
  const compiled = config.parents.approved.map((entry) => compileParent(entry, config.parents.requireDigest));
  const frontends = compileFrontends(config.parents.frontends);
  const result: PolicyResult = { findings: [], verdicts: new Map() };
  const onCycle = new Map<string, string[]>();
  for (const cycle of graph.cycles) for (const name of cycle) onCycle.set(name, cycle);
  const allowed = describeAllowed(compiled, catalog, config);

  for (const image of catalog.images.values()) {
    const error = (line: number, rule: string, message: string) =>
      result.findings.push({ file: image.dockerfilePath, line, severity: 'error', source: 'dockyard', rule, message, image: image.name });
    const missing = checkReferences(image, catalog, scope, config, error);
    const cycle = onCycle.get(image.name);
    if (cycle) {
      const line = image.parent.kind === 'catalog' ? image.parent.line : 1;
      error(
        line,
        'DY004',
        cycle.length === 1
          ? `\`${image.name}\` inherits from itself. An image must build on a parent, not on its own published tag.`
          : `Inheritance cycle: ${[...cycle, cycle[0]].map((name) => `\`${name}\``).join(' → ')}. Break it by making one of them inherit from an approved upstream or another catalog image.`,
      );
    }
    if (scope.affected.has(image.name) && image.model) checkFrontend(image.model, frontends, error);
    if (!scope.affected.has(image.name) && !cycle && !missing) continue;
    result.verdicts.set(
      image.name,
      cycle ? 'cycle' : missing ? 'missing' : judgeImage(image, compiled, allowed, config, error),
    );
  }
  return result;
}

type Report = (line: number, rule: string, message: string) => void;

/** Reports every catalog reference to an image that is not in the catalog; true if there was one. */
function checkReferences(
  image: CatalogImage,
  catalog: Catalog,
  scope: PolicyScope,
  config: PolicyConfig,
  error: Report,
): boolean {
  let missing = false;
  for (const name of image.dependsOn) {
    if (catalog.images.has(name)) continue;
    missing = true;
    const line = referenceLine(image, name, config);
    const why = scope.removed.has(name)
      ? `this change removes \`${catalog.root}/${name}\`, but \`${image.name}\` still builds on it. Move \`${image.name}\` to another parent first, or keep \`${name}\`.`
      : `there is no \`${catalog.root}/${name}/Dockerfile\`. Catalog images are named by their folder under \`${catalog.root}/\`.`;
    error(line, 'DY003', `\`${name}\` is not in the catalog: ${why}`);
  }
  return missing;
}

function referenceLine(image: CatalogImage, name: string, config: PolicyConfig): number {
  for (const { source, line } of [...(image.model?.stages ?? []), ...(image.model?.uses ?? [])]) {
    if (source.kind === 'image' && catalogNameOf(source.reference, config) === name) return line;
  }
  return 1;
}

function judgeImage(
  image: CatalogImage,
  compiled: readonly CompiledParent[],
  allowed: string,
  config: PolicyConfig,
  error: Report,
): ParentVerdict {
  if (!image.model) return 'unreadable';
  const verdict = judgeLink(image.parent, 'final', compiled, allowed, error);
  const model = image.model;
  // Intermediate stages and images pulled by COPY --from / RUN --mount: checked by their own rule.
  const finalChain = new Set<number>();
  for (let stage = model.stages.at(-1); stage && !finalChain.has(stage.index); ) {
    finalChain.add(stage.index);
    stage = stage.source.kind === 'stage' ? model.stages[stage.source.stage] : undefined;
  }
  model.stages.forEach((stage) => {
    if (finalChain.has(stage.index) || stage.source.kind === 'stage') return;
    const { source, line } = rootSource(model, stage.index);
    judgeLink(linkTo(source, line, config), 'stage', compiled, allowed, error);
  });
  for (const use of model.uses) {
    if (use.source.kind === 'stage') continue;
    judgeLink(linkTo(use.source, use.line, config), 'stage', compiled, allowed, error, use.via);
  }
  return verdict;
}

function judgeLink(
  link: ParentLink,
  role: 'final' | 'stage',
  compiled: readonly CompiledParent[],
  allowed: string,
  error: Report,
  via?: string,
): ParentVerdict {
  const inScope = compiled.filter((parent) => parent.entry.scope === 'any' || parent.entry.scope === role);
  const rule = role === 'final' ? 'DY001' : 'DY006';
  const what = via ? `\`${via}\` image` : role === 'final' ? 'parent' : 'build-stage image';
  switch (link.kind) {
    case 'catalog':
      return 'catalog';
    case 'unknown':
      return 'unreadable';
    case 'scratch': {
      if (inScope.some((parent) => parent.entry.pattern === 'scratch')) return 'approved';
      error(link.line, rule, `\`scratch\` is not an approved ${what}. ${allowed}`);
      return 'not-approved';
    }
    case 'upstream': {
      const matching = inScope.find((parent) => parent.matches(link.reference));
      const shown = formatImageReference(link.reference);
      if (!matching) {
        error(link.line, rule, `\`${shown}\` is not an approved ${what}. ${allowed}`);
        return 'not-approved';
      }
      if (matching.requiresDigest && link.reference.digest === undefined) {
        error(
          link.line,
          'DY002',
          `\`${shown}\` must be pinned by digest (approved as \`${matching.normalized}\`, digest required). Write \`${link.text}@sha256:<digest>\`; \`docker buildx imagetools inspect ${link.text}\` prints it.`,
        );
        return 'unpinned';
      }
      return 'approved';
    }
  }
}

function describeAllowed(compiled: readonly CompiledParent[], catalog: Catalog, config: PolicyConfig): string {
  const names = [...catalog.images.keys()].sort();
  const shownNames = names.slice(0, 8).map((name) => `\`${name}\``).join(', ') + (names.length > 8 ? ` and ${names.length - 8} more` : '');
  const catalogPart = `a catalog image as \`FROM \${${config.registryArg}}/${config.prefix}/<name>\` (${catalogRepository(config, '<name>')}; images: ${shownNames || 'none yet'})`;
  const upstream = compiled.map(
    (parent) =>
      `\`${parent.normalized}\`${parent.requiresDigest ? ' (digest pin required)' : ''}${parent.entry.scope === 'any' ? '' : ` (${parent.entry.scope === 'final' ? 'final stage only' : 'build stages only'})`}`,
  );
  return upstream.length === 0
    ? `Allowed: ${catalogPart}. No upstream parents are approved in .github/dockyard.yml.`
    : `Allowed: ${catalogPart}, or an approved upstream: ${upstream.join(', ')}.`;
}
