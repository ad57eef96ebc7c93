import { describe, expect, it } from 'vitest';
import type { CatalogImage } from '../../../src/domain/catalog/types.ts';
import { affectedImages, buildGraph, planBuild } from '../../../src/domain/graph/inheritance-graph.ts';

/** A catalog from `image: [images it depends on]`, in the given insertion order. */
function catalogOf(edges: Record<string, string[]>): { images: Map<string, CatalogImage> } {
  const images = new Map<string, CatalogImage>();
  for (const [name, dependsOn] of Object.entries(edges)) {
    images.set(name, {
      name,
      dir: `images/${name}`,
      dockerfilePath: `images/${name}/Dockerfile`,
      parent: { kind: 'unknown', line: 1, text: '' },
      dependsOn,
      metadata: { owners: [] },
    });
  }
  return { images };
}

const seed = {
  boto3: ['python'],
  python: ['base'],
  node: ['base'],
  base: [],
  'alpine-tools': [],
};

describe('buildGraph', () => {
  it('groups buildable images in levels, names sorted in each level', () => {
    const graph = buildGraph(catalogOf(seed));

    expect(graph.levels).toEqual([['alpine-tools', 'base'], ['node', 'python'], ['boto3']]);
    expect(graph.cycles).toEqual([]);
    expect(graph.blocked).toEqual([]);
  });

  it('records dependencies and sorted children for every image', () => {
    const graph = buildGraph(catalogOf(seed));

    expect(Object.fromEntries(graph.children)).toEqual({
      boto3: [],
      python: ['boto3'],
      node: [],
      base: ['node', 'python'],
      'alpine-tools': [],
    });
    expect(graph.dependsOn.get('boto3')).toEqual(['python']);
  });

  it('gives the same levels whatever order the images come in', () => {
    const reversed = Object.fromEntries(Object.entries(seed).reverse());

    expect(buildGraph(catalogOf(reversed)).levels).toEqual(buildGraph(catalogOf(seed)).levels);
  });

  it('places an image after all of its dependencies (a diamond)', () => {
    const graph = buildGraph(catalogOf({ d: ['b', 'c'], c: ['a'], b: ['a'], a: [], e: ['a', 'd'] }));

    expect(graph.levels).toEqual([['a'], ['b', 'c'], ['d'], ['e']]);
    expect(graph.children.get('a')).toEqual(['b', 'c', 'e']);
  });

  it('ignores dependencies on images that are not in the catalog', () => {
    const graph = buildGraph(catalogOf({ python: ['base'] }));

    expect(graph.dependsOn.get('python')).toEqual([]);
    expect(graph.levels).toEqual([['python']]);
  });

  it('returns no levels for an empty catalog', () => {
    expect(buildGraph(catalogOf({}))).toEqual({ dependsOn: new Map(), children: new Map(), levels: [], cycles: [], blocked: [] });
  });

  describe('cycles', () => {
    it('reports a 2-cycle, starting from its smallest name', () => {
      const graph = buildGraph(catalogOf({ base: [], python: ['node'], node: ['python'] }));

      expect(graph.cycles).toEqual([['node', 'python']]);
      expect(graph.levels).toEqual([['base']]);
      expect(graph.blocked).toEqual([]);
    });

    it('reports a 3-cycle in dependency order, rotated to start at its smallest name', () => {
      // a depends on z, z on y, y on x, x on z: the walk from a enters the cycle at z.
      const graph = buildGraph(catalogOf({ a: ['z'], z: ['y'], y: ['x'], x: ['z'] }));

      expect(graph.cycles).toEqual([['x', 'z', 'y']]);
      expect(graph.blocked).toEqual(['a']);
      expect(graph.levels).toEqual([]);
    });

    it('reports an image that depends on itself as a cycle of one', () => {
      const graph = buildGraph(catalogOf({ self: ['self'], base: [] }));

      expect(graph.cycles).toEqual([['self']]);
      expect(graph.levels).toEqual([['base']]);
    });

    it('blocks every image downstream of a cycle, sorted, and builds the rest', () => {
      const graph = buildGraph(
        catalogOf({ base: [], a: ['b', 'base'], b: ['a'], child: ['a'], grandchild: ['child'], other: ['base'], mixed: ['other', 'grandchild'] }),
      );

      expect(graph.cycles).toEqual([['a', 'b']]);
      expect(graph.blocked).toEqual(['child', 'grandchild', 'mixed']);
      expect(graph.levels).toEqual([['base'], ['other']]);
    });

    it('reports separate cycles separately, sorted by their first name', () => {
      const graph = buildGraph(catalogOf({ q: ['p'], p: ['q'], c: ['d'], d: ['c'], self: ['self'] }));

      expect(graph.cycles).toEqual([['c', 'd'], ['p', 'q'], ['self']]);
    });

    it('finds every cycle, even when an image on one cycle also depends on another cycle', () => {
      // a depends on b (on the b ↔ d cycle) and on c; c depends on a: a ↔ c is a cycle too.
      const graph = buildGraph(catalogOf({ a: ['b', 'c'], b: ['d'], c: ['a'], d: ['b'] }));

      expect(graph.cycles).toEqual([
        ['a', 'c'],
        ['b', 'd'],
      ]);
      expect(graph.blocked).toEqual([]);
    });
  });
});

describe('affectedImages and planBuild', () => {
  const graph = buildGraph(catalogOf(seed));

  it('affects the changed images and all their descendants', () => {
    expect([...affectedImages(graph, ['base'])].sort()).toEqual(['base', 'boto3', 'node', 'python']);
    expect([...affectedImages(graph, ['python'])].sort()).toEqual(['boto3', 'python']);
    expect([...affectedImages(graph, ['boto3', 'alpine-tools'])].sort()).toEqual(['alpine-tools', 'boto3']);
  });

  it('ignores changed names that are not in the catalog', () => {
    expect([...affectedImages(graph, ['removed', 'node'])]).toEqual(['node']);
    expect(affectedImages(graph, []).size).toBe(0);
  });

  it('plans the affected images level by level', () => {
    expect(planBuild(graph, affectedImages(graph, ['base']))).toEqual([['base'], ['node', 'python'], ['boto3']]);
    // Levels are the catalog's: python stays a level below base even when base is not rebuilt.
    expect(planBuild(graph, affectedImages(graph, ['python', 'alpine-tools']))).toEqual([['alpine-tools'], ['python'], ['boto3']]);
    expect(planBuild(graph, new Set())).toEqual([]);
  });

  it('leaves images on or below a cycle out of the plan', () => {
    const cyclic = buildGraph(catalogOf({ base: [], a: ['b', 'base'], b: ['a'], child: ['a'] }));

    expect([...affectedImages(cyclic, ['base'])].sort()).toEqual(['a', 'b', 'base', 'child']);
    expect(planBuild(cyclic, affectedImages(cyclic, ['base']))).toEqual([['base']]);
  });

  describe('on a tree six levels deep', () => {
    // r has children r0 and r1, r0 has r00 and r01, … down to depth 5: 63 images.
    const edges: Record<string, string[]> = { r: [] };
    const grow = (name: string, depth: number) => {
      if (depth === 5) return;
      for (const branch of ['0', '1']) {
        edges[`${name}${branch}`] = [name];
        grow(`${name}${branch}`, depth + 1);
      }
    };
    grow('r', 0);
    const tree = buildGraph(catalogOf(edges));

    it('builds it in six levels of doubling size', () => {
      expect(Object.keys(edges)).toHaveLength(63);
      expect(tree.levels.map((level) => level.length)).toEqual([1, 2, 4, 8, 16, 32]);
      expect(tree.levels[2]).toEqual(['r00', 'r01', 'r10', 'r11']);
    });

    it('affects exactly the subtree below a changed image, planned top down', () => {
      const affected = affectedImages(tree, ['r01']);

      expect(affected.size).toBe(15);
      expect(planBuild(tree, affected)).toEqual([
        ['r01'],
        ['r010', 'r011'],
        ['r0100', 'r0101', 'r0110', 'r0111'],
        ['r01000', 'r01001', 'r01010', 'r01011', 'r01100', 'r01101', 'r01110', 'r01111'],
      ]);
    });

    it('affects one leaf alone', () => {
      expect(planBuild(tree, affectedImages(tree, ['r11111']))).toEqual([['r11111']]);
    });
  });
});
