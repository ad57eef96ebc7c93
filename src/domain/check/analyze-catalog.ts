import type { Config } from '../../config/schema.ts';
import { buildCatalog, type CatalogOptions } from '../catalog/build-catalog.ts';
import type { Catalog, ImageFolder } from '../catalog/types.ts';
import type { Finding } from '../findings.ts';
import { affectedImages, buildGraph, planBuild, type InheritanceGraph } from '../graph/inheritance-graph.ts';
import { checkAddSources, compileAddHosts } from '../policy/check-add-sources.ts';
import { checkJenkinsTemplates } from '../policy/check-jenkins-templates.ts';
import { checkLabels } from '../policy/check-labels.ts';
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

export interface AnalyzeOptions extends CatalogOptions {
  /** Hosts `ADD <url>` may fetch from (the operator's `build.egress.addHosts`); none when absent. */
  addHosts?: readonly string[];
}

/**
 * Reads the catalog, builds its graph, works out what the change affects and judges parents, labels
 * and ADD sources.
 * `changes: 'all'` treats every image as changed (a full check, as `dockyard check` does without --base).
 * `options.frontend` is the frontend that builds Dockerfiles without `# syntax=`.
 */
export function analyzeCatalog(
  folders: readonly ImageFolder[],
  changes: readonly ChangedPath[] | 'all',
  config: Config,
  options: AnalyzeOptions = {},
): CatalogAnalysis {
  const catalog = buildCatalog(folders, config, options);
  const graph = buildGraph(catalog);
  // A full check covers every folder, also those that cannot be images (a bad name, a symlink), so
  // that their findings are reported.
  const change =
    changes === 'all'
      ? { changed: new Set(folders.map((folder) => folder.name)), removed: new Set<string>(), everything: true }
      : summarizeChange(changes, config.catalog);
  if (changes !== 'all') {
    // A symlink in place of an image folder is one path directly in the catalog folder, which
    // summarizeChange leaves out as no image's; the change that adds it must still hear about it.
    const touched = new Set(changes.filter((path) => path.status !== 'removed').map((path) => path.path));
    for (const folder of folders) {
      if (folder.linkTarget !== undefined && touched.has(`${config.catalog}/${folder.name}`)) change.changed.add(folder.name);
    }
  }
  const changed = change.everything ? new Set(catalog.images.keys()) : change.changed;
  // Children of a removed image are affected too: they lost their parent.
  for (const image of catalog.images.values()) {
    if (image.dependsOn.some((name) => change.removed.has(name))) changed.add(image.name);
  }
  const affected = affectedImages(graph, changed);
  const parents = checkParents(catalog, graph, config, { affected, removed: change.removed });
  const adds = addSourceFindings(catalog, affected, options.addHosts ?? []);
  const policy = { ...parents, findings: [...parents.findings, ...checkLabels(catalog, affected), ...adds, ...checkJenkinsTemplates(catalog, affected, config)] };
  const lintTargets = [...changed]
    .filter((name) => catalog.images.get(name)?.model !== undefined)
    .sort()
    .map((name) => catalog.images.get(name)?.dockerfilePath as string);
  return { catalog, graph, change, affected, plan: planBuild(graph, affected), policy, lintTargets };
}

/** DY005 for the affected images: ADD sources on hosts the operator did not approve (check-add-sources.ts). */
function addSourceFindings(catalog: Catalog, affected: ReadonlySet<string>, addHosts: readonly string[]): Finding[] {
  const hosts = compileAddHosts(addHosts);
  const findings: Finding[] = [];
  for (const image of catalog.images.values()) {
    if (!image.model || !affected.has(image.name)) continue;
    for (const problem of checkAddSources(image.model, hosts)) {
      findings.push({ file: image.dockerfilePath, line: problem.line, severity: 'error', source: 'dockyard', rule: 'DY005', message: problem.message, image: image.name });
    }
  }
  return findings;
}
