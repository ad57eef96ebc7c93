import { describe, expect, it, vi } from 'vitest';
import { StateStore } from '../../../src/adapters/state/state-store.ts';

const blob = (text: string) => Buffer.from(text);

describe('the blob store', () => {
  it('keeps blobs by sha, the empty one too', () => {
    const store = new StateStore(':memory:');
    store.blobs.rememberBlobs(new Map([['a', blob('FROM scratch\n')], ['e', blob('')]]));

    expect(store.blobs.knownBlobs(['a', 'e', 'unknown'])).toEqual(new Map([['a', blob('FROM scratch\n')], ['e', blob('')]]));
  });

  it('stays within its byte budget, dropping the blobs least recently used first', () => {
    vi.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') });
    try {
      const store = new StateStore(':memory:', { blobBudget: 30 });
      store.blobs.rememberBlobs(new Map([['old', blob('x'.repeat(10))], ['used', blob('y'.repeat(10))]]));
      // Two hours later a read uses one of them again, then brings a new one that passes the budget.
      vi.setSystemTime(new Date('2026-12-01T12:00:00Z'));
      expect(store.blobs.knownBlobs(['used']).size).toBe(1);
      store.blobs.rememberBlobs(new Map([['new', blob('z'.repeat(15))]]));

      expect([...store.blobs.knownBlobs(['old', 'used', 'new']).keys()].sort()).toEqual(['new', 'used']);
    } finally {
      vi.useRealTimers();
    }
  });
});
