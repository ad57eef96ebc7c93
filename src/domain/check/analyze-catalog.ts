import type { Config } from '../../config/schema.ts';
import { buildCatalog } from '../catalog/build-catalog.ts';
import type { Catalog, ImageFolder } from '../catalog/types.ts';
import { affectedImages, buildGraph, planBuild, type InheritanceGraph } from '../graph/inheritance-graph.ts';
import { checkParents, type PolicyResult } from '../policy/check-parents.ts';
import { summarizeChange, type ChangedPath, type ChangeSummary } from './changed-images.ts';

/** Everything Dockyard knows about a catalog and a change before running outside tools. */
export interface CatalogAnalysis {
  catalog: Catalog;
  graph: InheritanceGraph;
  change: ChangeSummary;
  affected: Set<string>;
  /** Affected images in build order, level by level. */
  plan: string[][];
  policy: PolicyResult;
  /** Dockerfiles to lint: those of changed images that could be read. */
  lintTargets: string[];
}

/**
 * Reads the catalog, builds its graph, works out what the change affects and judges parents.
 * `changes: 'all'` treats every image as changed (a full check, as `dockyard check` does without --base).
 */
export function analyzeCatalog(
  folders: readonly ImageFolder[],
  changes: readonly ChangedPath[] | 'all',
  config: Config,
): CatalogAnalysis {
  const catalog = buildCatalog(folders, config);
  const graph = buildGraph(catalog);
  const change =
    changes === 'all'
      ? { changed: new Set(catalog.images.keys()), removed: new Set<string>(), everything: true }
      : summarizeChange(changes, config.catalog);
  const changed = change.everything ? new Set(catalog.images.keys()) : change.changed;
  // Children of a removed image are affected too: they lost their parent.
  for (const image of catalog.images.values()) {
    if (image.dependsOn.some((name) => change.removed.has(name))) changed.add(image.name);
  }
  const affected = affectedImages(graph, changed);
  const policy = checkParents(catalog, graph, config, { affected, removed: change.removed });
  const lintTargets = [...changed]
    .filter((name) => catalog.images.get(name)?.model !== undefined)
    .sort()
    .map((name) => catalog.images.get(name)?.dockerfilePath as string);
  return { catalog, graph, change, affected, plan: planBuild(graph, affected), policy, lintTargets };
}
