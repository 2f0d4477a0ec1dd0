/**
 * The delivery claims this process has won lately, so that a delivery it handled, arriving again (a Socket
 * Mode redelivery on the same socket, a replayed HTTP request), is dropped without a Redis round trip. Only
 * for claims that are never given back: a key held here is taken in Redis for `ttlMs` from a moment after the
 * one it is noted with (the claim was sent after it), so while it is held here Redis would answer the same. A
 * key past its time, or pushed out by newer ones (at most `maxKeys` are held), is simply asked of Redis again.
 */
export interface RecentClaims {
  /** Whether this process won `key` less than `ttlMs` ago. */
  has(key: string): boolean;
  /** Notes that this process won `key` with a claim sent at `askedAt` (epoch ms, the `now` given). */
  add(key: string, askedAt: number): void;
}

export function createRecentClaims(options: { ttlMs: number; maxKeys: number; now?: () => number }): RecentClaims {
  const now = options.now ?? Date.now;
  // Insertion order is win order, so the oldest keys come first (concurrent claims may finish a few ms out of order).
  const wonAt = new Map<string, number>();
  return {
    has(key) {
      const at = wonAt.get(key);
      if (at === undefined) return false;
      if (now() - at < options.ttlMs) return true;
      wonAt.delete(key);
      return false;
    },
    add(key, askedAt) {
      wonAt.delete(key);
      wonAt.set(key, askedAt);
      for (const [oldest, at] of wonAt) {
        if (wonAt.size <= options.maxKeys && now() - at < options.ttlMs) break;
        wonAt.delete(oldest);
      }
    },
  };
}
