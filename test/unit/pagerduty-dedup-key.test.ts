import { describe, expect, it } from 'vitest';
import { dedupKeyFor } from '../../src/pagerduty/dedup-key-for.js';

describe('dedupKeyFor', () => {
  it('is the same for the same run and guard, so retries land on one incident', () => {
    expect(dedupKeyFor('run-42', 'error-rate')).toBe('flightdeck/run-42/error-rate');
    expect(dedupKeyFor('run-42', 'error-rate')).toBe(dedupKeyFor('run-42', 'error-rate'));
  });

  it.each([
    [['run-42', 'error-rate'], ['run-42', 'latency']],
    [['a/b', 'c'], ['a', 'b/c']],
    [['run-1', 'g'], ['run-2', 'g']],
  ])('differs for %j and %j', (left, right) => {
    expect(dedupKeyFor(left[0] ?? '', left[1] ?? '')).not.toBe(dedupKeyFor(right[0] ?? '', right[1] ?? ''));
  });

  it('stays within PagerDuty’s 255 characters and stable for long ids', () => {
    const key = dedupKeyFor('r'.repeat(200), 'g'.repeat(100));
    expect(key.length).toBeLessThanOrEqual(255);
    expect(key).toBe(dedupKeyFor('r'.repeat(200), 'g'.repeat(100)));
    expect(key).not.toBe(dedupKeyFor('r'.repeat(200), 'h'.repeat(100)));
  });

  it.each([['', 'g'], ['r', '']])('refuses an empty part (%j, %j)', (runId, guardId) => {
    expect(() => dedupKeyFor(runId, guardId)).toThrow(/needs a run id and a guard id/);
  });
});
