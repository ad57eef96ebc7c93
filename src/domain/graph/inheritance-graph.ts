import type { Catalog } from '../catalog/types.ts';

/** The catalog's dependency graph: which image needs which built first. */
export interface InheritanceGraph {
  /** Catalog images each image depends on, restricted to images that exist. */
  dependsOn: ReadonlyMap<string, readonly string[]>;
  /** The reverse edges: images that depend on each image, sorted. */
  children: ReadonlyMap<string, readonly string[]>;
  /**
   * Buildable images in build order, grouped in levels: every image's dependencies are in
   * earlier levels, so the images of one level can build in parallel. Names sorted in a level.
   */
  levels: string[][];
  /** Each cycle as the images on it, in dependency order; a self-parent is a cycle of one. */
  cycles: string[][];
  /** Images that cannot build because they depend, directly or not, on a cycle. */
  blocked: string[];
}

/** Builds the graph with Kahn's algorithm, level by level, so the order is deterministic. */
export function buildGraph(catalog: Pick<Catalog, 'images'>): InheritanceGraph {
  const dependsOn = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const name of catalog.images.keys()) children.set(name, []);
  for (const [name, image] of catalog.images) {
    const present = image.dependsOn.filter((dependency) => catalog.images.has(dependency));
    dependsOn.set(name, present);
    for (const dependency of present) children.get(dependency)?.push(name);
  }
  for (const list of children.values()) list.sort();

  const waiting = new Map<string, number>();
  let level: string[] = [];
  for (const [name, dependencies] of dependsOn) {
    waiting.set(name, dependencies.length);
    if (dependencies.length === 0) level.push(name);
  }
  const levels: string[][] = [];
  let placed = 0;
  while (level.length > 0) {
    level.sort();
    levels.push(level);
    placed += level.length;
    const next: string[] = [];
    for (const name of level) {
      for (const child of children.get(name) ?? []) {
        const remaining = (waiting.get(child) ?? 0) - 1;
        waiting.set(child, remaining);
        if (remaining === 0) next.push(child);
      }
    }
    level = next;
  }

  const unplaced = placed === dependsOn.size ? [] : [...dependsOn.keys()].filter((name) => (waiting.get(name) ?? 0) > 0);
  const cycles = findCycles(unplaced, dependsOn);
  const onCycle = new Set(cycles.flat());
  return {
    dependsOn,
    children,
    levels,
    cycles,
    blocked: unplaced.filter((name) => !onCycle.has(name)).sort(),
  };
}

/**
 * Finds the cycles among images Kahn's algorithm could not place. Every such image has an
 * unplaced dependency, so walking dependencies from it must come back to an image already on
 * the walk: that stretch is a cycle.
 */
function findCycles(unplaced: readonly string[], dependsOn: ReadonlyMap<string, readonly string[]>): string[][] {
  const remaining = new Set(unplaced);
  const state = new Map<string, 'walking' | 'done'>();
  const cycles: string[][] = [];
  for (const start of [...unplaced].sort()) {
    if (state.has(start)) continue;
    const path: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined && !state.has(current)) {
      state.set(current, 'walking');
      path.push(current);
      current = dependsOn.get(current)?.find((dependency) => remaining.has(dependency));
    }
    if (current !== undefined && state.get(current) === 'walking') {
      const cycle = path.slice(path.indexOf(current));
      cycles.push(rotateToSmallest(cycle));
    }
    for (const name of path) state.set(name, 'done');
  }
  return cycles.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

function rotateToSmallest(cycle: string[]): string[] {
  let smallest = 0;
  cycle.forEach((name, index) => {
    if (name < (cycle[smallest] ?? '')) smallest = index;
  });
  return [...cycle.slice(smallest), ...cycle.slice(0, smallest)];
}

/** The images a change affects: the changed ones that exist, and every descendant of them. */
export function affectedImages(graph: InheritanceGraph, changed: Iterable<string>): Set<string> {
  const affected = new Set<string>();
  const queue = [...changed].filter((name) => graph.dependsOn.has(name));
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (affected.has(name)) continue;
    affected.add(name);
    queue.push(...(graph.children.get(name) ?? []));
  }
  return affected;
}

/** The affected images in build order, level by level (each level can build in parallel). */
export function planBuild(graph: InheritanceGraph, affected: ReadonlySet<string>): string[][] {
  return graph.levels.map((level) => level.filter((name) => affected.has(name))).filter((level) => level.length > 0);
}
