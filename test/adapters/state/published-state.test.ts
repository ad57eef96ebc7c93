import { describe, expect, it } from 'vitest';
import { StateStore, type PublishedState } from '../../../src/adapters/state/state-store.ts';

// The published state is written only over the state the decision was taken on: a conditional write,
// so a decision and its write cannot be split by another writer.

const repo = 'example/agents';
const state = (commit: string, digest: string): PublishedState => ({ repo, image: 'base', repository: 'registry.example.com/agents/base', digest, label: 'base', commit });

describe('published state writes', () => {
  it('writes the first state only where there is none, and later ones only over the commit they were decided on', () => {
    const store = new StateStore(':memory:');
    expect(store.advancePublishedImage(state('c1', 'sha256:1'), undefined)).toBe(true);
    // A second "first" write lost the race: refused, the first stays.
    expect(store.advancePublishedImage(state('c0', 'sha256:0'), undefined)).toBe(false);
    expect(store.publishedImage(repo, 'base')).toMatchObject({ commit: 'c1', digest: 'sha256:1' });

    expect(store.advancePublishedImage(state('c2', 'sha256:2'), 'c1')).toBe(true);
    // Decided on c1, but c2 was written since: refused.
    expect(store.advancePublishedImage(state('c3', 'sha256:3'), 'c1')).toBe(false);
    expect(store.publishedImage(repo, 'base')).toMatchObject({ commit: 'c2', digest: 'sha256:2' });
  });

  it('removes an image only if its state still came from the commit the removal was decided on', () => {
    const store = new StateStore(':memory:');
    store.advancePublishedImage(state('c2', 'sha256:2'), undefined);
    expect(store.removePublishedImageIf(repo, 'base', 'c1')).toBe(false);
    expect(store.publishedImage(repo, 'base')?.commit).toBe('c2');
    expect(store.removePublishedImageIf(repo, 'base', 'c2')).toBe(true);
    expect(store.publishedImage(repo, 'base')).toBeUndefined();
  });
});
