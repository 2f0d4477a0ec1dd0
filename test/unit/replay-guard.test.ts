import { describe, expect, it } from 'vitest';
import { replayGuard } from '../../src/probes/replay-guard.js';

const MIN = 60_000;
/** One sample a minute from t=0 (unix seconds), values as given; null leaves a gap. */
const minutely = (values: ReadonlyArray<number | null>) => values.flatMap((v, i) => (v === null ? [] : [[i * 60, v] as const]));

describe('replayGuard', () => {
  it.each([
    ['never beyond the limit', [0.01, 0.02, 0.03], 0, { breaches: 0, longestMs: 0, evaluated: 3 }],
    ['for 0: every failing run counts at once', [0.1, 0.01, 0.1, 0.1], 0, { breaches: 2, longestMs: 2 * MIN, evaluated: 4 }],
    ['a run shorter than for does not breach', [0.1, 0.1, 0.01, 0.1, 0.01], 2 * MIN, { breaches: 0, longestMs: 0, evaluated: 5 }],
    ['a run of 3 min breaches at its third sample with for 2m, once', [0.1, 0.1, 0.1, 0.1, 0.01], 2 * MIN, { breaches: 1, longestMs: 4 * MIN, evaluated: 5 }],
    ['a gap ends the run', [0.1, 0.1, null, 0.1, 0.1], 2 * MIN, { breaches: 0, longestMs: 0, evaluated: 4 }],
    ['NaN ends the run', [0.1, 0.1, Number.NaN, 0.1, 0.1], MIN, { breaches: 2, longestMs: 2 * MIN, evaluated: 4 }],
  ])('above 0.05: %s', (_name, values, forMs, expected) => {
    expect(replayGuard([minutely(values)], { above: 0.05 }, forMs, MIN)).toEqual(expected);
  });

  it('below: fails on lesser values; several series count by their largest value at each time', () => {
    const low = minutely([0.5, 0.5, 0.5]);
    const high = minutely([0.99, 0.5, 0.5]);
    expect(replayGuard([low, high], { below: 0.9 }, 0, MIN)).toEqual({ breaches: 1, longestMs: 2 * MIN, evaluated: 3 });
  });
});
