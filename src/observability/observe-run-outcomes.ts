import { isTerminal, type Run } from '../run/core/run-schema.js';
import type { RunStore } from '../run/store/run-store.js';
import type { FlightdeckMetrics } from './create-metrics.js';

/** Counts a finished run and observes its duration. */
export function recordRunOutcome(metrics: FlightdeckMetrics, run: Run): void {
  const labels = { environment: run.environment, outcome: run.state };
  metrics.runs.inc(labels);
  const endedAt = run.endedAt ?? run.updatedAt;
  metrics.runDuration.observe(labels, Math.max(0, endedAt - run.createdAt) / 1000);
}

/**
 * Makes `store` record every run that its `update` moves into a terminal state. Only the writer whose
 * compare-and-set won sees `changed`, so each run is counted once across every process.
 * Returns the same store.
 */
export function observeRunOutcomes(store: RunStore, metrics: FlightdeckMetrics): RunStore {
  const update = store.update.bind(store);
  store.update = async (id, change, options) => {
    let wasTerminal = false;
    const result = await update(
      id,
      (run) => {
        wasTerminal = isTerminal(run.state);
        return change(run);
      },
      options,
    );
    if (result.changed && !wasTerminal && isTerminal(result.run.state)) recordRunOutcome(metrics, result.run);
    return result;
  };
  return store;
}
