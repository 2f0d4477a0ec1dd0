/** How a guard would have fared over a stretch of history. */
export interface GuardReplay {
  /** Times the guard would have breached: runs of failing evaluations that lasted its `for`, each counted once. */
  breaches: number;
  /** The longest of those runs, from its first failing evaluation to one step past its last. */
  longestMs: number;
  /** Evaluations replayed (timestamps with a sample). */
  evaluated: number;
}

/** A guard's threshold as the prometheus probe reads it: `above` fails on greater values, `below` on lesser. */
export type Threshold = { above: number } | { below: number };

/**
 * Replays a guard over a range query's samples, as its evaluations would have gone had it watched then: at each
 * timestamp the value is the largest of the series (as the probe takes it), failing beyond the threshold; a run
 * of failing evaluations breaches once it has lasted `forMs` (as an alerting rule's `for`). A missing sample or
 * NaN ends a run (the guard's default `noData: inconclusive` does not count towards a breach). Pure.
 *
 * @param series each series' `[unix seconds, value]` samples, as Prometheus' matrix gives them.
 * @param stepMs the range query's step: samples further apart than this are a gap.
 */
export function replayGuard(series: ReadonlyArray<ReadonlyArray<readonly [number, number]>>, threshold: Threshold, forMs: number, stepMs: number): GuardReplay {
  const largest = new Map<number, number>();
  for (const samples of series) {
    for (const [t, value] of samples) {
      const ms = Math.round(t * 1000);
      if (Number.isNaN(value)) continue;
      largest.set(ms, Math.max(largest.get(ms) ?? -Infinity, value));
    }
  }
  const failing = (value: number) => ('above' in threshold ? value > threshold.above : value < threshold.below);
  let breaches = 0;
  let longestMs = 0;
  let runStart: number | undefined;
  let fired = false;
  let previous: number | undefined;
  const times = [...largest.keys()].sort((a, b) => a - b);
  for (const at of times) {
    if (previous !== undefined && at - previous > stepMs) runStart = undefined;
    previous = at;
    if (!failing(largest.get(at)!)) {
      runStart = undefined;
      continue;
    }
    if (runStart === undefined) {
      runStart = at;
      fired = false;
    }
    if (!fired && at - runStart >= forMs) {
      fired = true;
      breaches += 1;
    }
    if (fired) longestMs = Math.max(longestMs, at - runStart + stepMs);
  }
  return { breaches, longestMs, evaluated: times.length };
}
