import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import { refreshHomesOnRunChanges } from '../../src/slack/refresh-homes.js';
import type { RunStore } from '../../src/run/store/run-store.js';

/** A store whose writes report `changed` as told, and whose recent Home viewers are `viewers` at each read. */
function storeWith(viewers: string[][]) {
  const reads: number[] = [];
  const store = {
    update: async (_id: string, change: { changed: boolean }) => ({ changed: change.changed }),
    homeViewers: async (since: number) => {
      reads.push(since);
      return viewers[reads.length - 1] ?? [];
    },
  };
  return { store: store as unknown as RunStore, reads };
}

describe('refreshHomesOnRunChanges', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the viewers once per wait, after every change it covers, and refreshes each Home once', async () => {
    const { store, reads } = storeWith([['U1', 'U2'], ['U1', 'U2', 'U3']]);
    const published: string[] = [];
    const refresher = refreshHomesOnRunChanges(store, async (userId) => void published.push(userId), () => 100_000_000, createLogger('silent'));
    for (let i = 0; i < 5; i += 1) await store.update('7', { changed: true } as never);
    expect(reads).toEqual([]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(reads).toHaveLength(1);
    expect(published).toEqual(['U1', 'U2']);
    // A Home opened since (U3) is refreshed by the next wait's read.
    await store.update('7', { changed: true } as never);
    await vi.advanceTimersByTimeAsync(3000);
    expect(reads).toHaveLength(2);
    expect(published).toEqual(['U1', 'U2', 'U1', 'U2', 'U3']);
    refresher.close();
  });

  it('starts no wait for a write that changed nothing, and none runs once closed', async () => {
    const { store, reads } = storeWith([['U1']]);
    const published: string[] = [];
    const refresher = refreshHomesOnRunChanges(store, async (userId) => void published.push(userId), () => 0, createLogger('silent'));
    await store.update('7', { changed: false } as never);
    await vi.advanceTimersByTimeAsync(5000);
    await store.update('7', { changed: true } as never);
    refresher.close();
    await store.update('7', { changed: true } as never);
    await vi.advanceTimersByTimeAsync(5000);
    expect([reads, published]).toEqual([[], []]);
  });
});
