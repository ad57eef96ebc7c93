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
  const edges = (name: string) => (dependsOn.get(name) ?? []).filter((dependency) => remaining.has(dependency));
  // Tarjan's strongly connected components: every component of two or more, or a self-edge, is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (name: string): void => {
    index.set(name, index.size);
    low.set(name, index.get(name) as number);
    stack.push(name);
    onStack.add(name);
    for (const next of edges(name)) {
      if (!index.has(next)) {
        visit(next);
        low.set(name, Math.min(low.get(name) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(name, Math.min(low.get(name) as number, index.get(next) as number));
      }
    }
    if (low.get(name) !== index.get(name)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== name);
    if (component.length > 1 || edges(name).includes(name)) cycles.push(orderCycle(component, edges));
  };
  for (const start of [...unplaced].sort()) if (!index.has(start)) visit(start);
  return cycles.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

/** Orders a component by following dependencies inside it from its smallest name. */
function orderCycle(component: string[], edges: (name: string) => string[]): string[] {
  const members = new Set(component);
  const order: string[] = [];
  let current: string | undefined = [...component].sort()[0];
  while (current !== undefined && !order.includes(current)) {
    order.push(current);
    current = edges(current).find((next) => members.has(next) && !order.includes(next));
  }
  return rotateToSmallest([...order, ...[...component].sort().filter((name) => !order.includes(name))]);
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
