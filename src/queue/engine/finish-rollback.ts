import type { Logger } from '../../observability/create-logger.js';
import type { RunReason } from '../../run/core/run-reason.js';
import { isTerminal, type Run } from '../../run/core/run-schema.js';
import type { RunStore } from '../../run/store/run-store.js';
import type { RunEngine } from './run-engine.js';

export interface FinishRollbackDeps {
  store: RunStore;
  engine: RunEngine;
  logger: Logger;
}

/** The line the undone run's thread and audit get: what the rollback restored, or why it did not. */
export function rollbackOutcome(rollback: Run): { ok: boolean; detail: string; reason?: RunReason } {
  const ok = rollback.state === 'succeeded';
  const restored = rollback.phases.flatMap((phase) => phase.items).find((item) => item.id === 'rollback');
  if (ok) return { ok, detail: `rollback run #${rollback.id}: ${restored?.detail ?? `restored ${rollback.version}`}` };
  return { ok, detail: `rollback run #${rollback.id} ended ${rollback.state}`, ...(rollback.reason ? { reason: rollback.reason } : {}) };
}

/**
 * When a rollback run has ended, applies `rollback-finished` to the run it undoes (which reports in that
 * run's thread). Safe to call any number of times, from any worker: it acts only while the undone run is
 * still rolling back by this very rollback run, and the transition ignores a repeated report.
 */
export async function finishRollback(deps: FinishRollbackDeps, rollback: Run): Promise<boolean> {
  if (rollback.kind !== 'rollback' || !rollback.rollbackOf || !isTerminal(rollback.state)) return false;
  const undone = await deps.store.get(rollback.rollbackOf);
  if (undone?.state !== 'rolling-back' || undone.rollbackRunId !== rollback.id) return false;
  const outcome = rollbackOutcome(rollback);
  await deps.engine.apply(undone.id, { type: 'rollback-finished', ...outcome });
  deps.logger.info({ run: undone.id, rollback: rollback.id, ok: outcome.ok }, 'rollback reported to the run it undid');
  return true;
}
