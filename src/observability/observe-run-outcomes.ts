import { isTerminal, type Run } from '../run/core/run-schema.js';
import type { RunStore } from '../run/store/run-store.js';
import type { FlightdeckMetrics } from './create-metrics.js';

/**
 * Counts a finished run and observes its duration; a rollback run also counts as a rollback (`succeeded` when
 * it restored the previous revision, `failed` for any other end) with its own duration.
 */
export function recordRunOutcome(metrics: FlightdeckMetrics, run: Run): void {
  const labels = { environment: run.environment, outcome: run.state };
  const endedAt = run.endedAt ?? run.updatedAt;
  const seconds = Math.max(0, endedAt - run.createdAt) / 1000;
  metrics.runs.inc(labels);
  metrics.runDuration.observe(labels, seconds);
  if (run.kind !== 'rollback') return;
  metrics.rollbacks.inc({ environment: run.environment, outcome: run.state === 'succeeded' ? 'succeeded' : 'failed' });
  metrics.rollbackDuration.observe({ environment: run.environment }, seconds);
}

/** Counts each breach `after` records that `before` did not have (a breach is its guard and its time). */
function recordGuardBreaches(metrics: FlightdeckMetrics, before: Run, after: Run): void {
  const known = new Set(before.breaches.map((b) => `${b.guardId}@${b.at}`));
  for (const breach of after.breaches) {
    if (!known.has(`${breach.guardId}@${breach.at}`)) metrics.guardBreaches.inc({ environment: after.environment, guard: breach.guardId });
  }
}

/**
 * Makes `store` record every run that its `update` moves into a terminal state, and every guard breach an
 * update records. Only the writer whose compare-and-set won sees `changed`, so each run and each breach is
 * counted once across every process. Returns the same store.
 */
export function observeRunOutcomes(store: RunStore, metrics: FlightdeckMetrics): RunStore {
  const create = store.create.bind(store);
  store.create = async (run, audit) => {
    const result = await create(run, audit);
    if (result.created && run.emergency) metrics.emergencyDeploys.inc({ environment: run.environment });
    return result;
  };
  const update = store.update.bind(store);
  store.update = async (id, change, options) => {
    let before: Run | undefined;
    const result = await update(
      id,
      (run) => {
        before = run;
        return change(run);
      },
      options,
    );
    if (!result.changed || before === undefined) return result;
    recordGuardBreaches(metrics, before, result.run);
    if (!isTerminal(before.state) && isTerminal(result.run.state)) recordRunOutcome(metrics, result.run);
    return result;
  };
  return store;
}
