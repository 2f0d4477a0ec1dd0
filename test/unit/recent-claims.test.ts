import { describe, expect, it } from 'vitest';
import { createRecentClaims } from '../../src/slack/recent-claims.js';

describe('createRecentClaims', () => {
  it('holds a won key until its time is up, counted from when its claim was sent', () => {
    let now = 1_000;
    const recent = createRecentClaims({ ttlMs: 600, maxKeys: 10, now: () => now });
    recent.add('delivery:T1', 900);
    expect(recent.has('delivery:T1')).toBe(true);
    expect(recent.has('delivery:T2')).toBe(false);
    now = 1_499;
    expect(recent.has('delivery:T1')).toBe(true);
    // 600 ms after the claim was sent, Redis may have let it go: asked of Redis again.
    now = 1_500;
    expect(recent.has('delivery:T1')).toBe(false);
  });

  it('holds at most maxKeys, pushing out the oldest wins first', () => {
    const now = 0;
    const recent = createRecentClaims({ ttlMs: 60_000, maxKeys: 3, now: () => now });
    for (const key of ['a', 'b', 'c', 'd']) recent.add(key, now);
    expect(['a', 'b', 'c', 'd'].map((key) => recent.has(key))).toEqual([false, true, true, true]);
  });

  it('drops expired keys as new ones come, however few are held', () => {
    let now = 0;
    const recent = createRecentClaims({ ttlMs: 100, maxKeys: 1_000, now: () => now });
    recent.add('old', 0);
    now = 200;
    recent.add('new', 200);
    now = 0;
    // Read back at the old time: had `old` been kept, it would still count.
    expect(recent.has('old')).toBe(false);
    expect(recent.has('new')).toBe(true);
  });
});
