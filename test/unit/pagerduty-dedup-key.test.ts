import { describe, expect, it } from 'vitest';
import { dedupKeyFor } from '../../src/pagerduty/dedup-key-for.js';

describe('dedupKeyFor', () => {
  // A retried trigger lands on the same incident only if the key is a function of the run and guard alone:
  // pinned literals catch a key that picks up a timestamp, a counter or a random part.
  it.each([
    ['run-42', 'error-rate', 'flightdeck/run-42/error-rate'],
    ['a/b', 'c', 'flightdeck/a%2Fb/c'],
    ['a', 'b/c', 'flightdeck/a/b%2Fc'],
    ['7', 'p95 latency', 'flightdeck/7/p95%20latency'],
  ])('is %j + %j → %j, whenever it is asked', (runId, guardId, key) => {
    expect(dedupKeyFor(runId, guardId)).toBe(key);
  });

  it.each([
    [['run-42', 'error-rate'], ['run-42', 'latency']],
    [['a/b', 'c'], ['a', 'b/c']],
    [['run-1', 'g'], ['run-2', 'g']],
  ])('differs for %j and %j', (left, right) => {
    expect(dedupKeyFor(left[0] ?? '', left[1] ?? '')).not.toBe(dedupKeyFor(right[0] ?? '', right[1] ?? ''));
  });

  it('keeps a key of exactly 255 characters as it is', () => {
    const key = dedupKeyFor('r'.repeat(200), 'g'.repeat(43));
    expect(key).toBe(`flightdeck/${'r'.repeat(200)}/${'g'.repeat(43)}`);
    expect(key).toHaveLength(255);
  });

  it('turns a longer key into a SHA-256 of it, within PagerDuty’s 255 characters and the same on every call', () => {
    expect(dedupKeyFor('r'.repeat(200), 'g'.repeat(100))).toBe('flightdeck/sha256/3c71ae5c36f5602ba48c97ec7bb5383dcc59614f8cfde38db405e05ec715b4bb');
    expect(dedupKeyFor('r'.repeat(200), 'h'.repeat(100))).toBe('flightdeck/sha256/186c99f5d3a4fb5823e433316ea85205ba25d15e4d9730bc8d86003adfe70c93');
  });

  it.each([['', 'g'], ['r', '']])('refuses an empty part (%j, %j)', (runId, guardId) => {
    expect(() => dedupKeyFor(runId, guardId)).toThrow(/needs a run id and a guard id/);
  });
});
