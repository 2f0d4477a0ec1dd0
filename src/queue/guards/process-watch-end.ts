import type { Job } from 'bullmq';
import { runJobSchema } from '../engine/job-schemas.js';
import type { GuardDeps } from './guard-deps.js';

/**
 * `watch-end` jobs on the followups queue, delayed until the day-after watch's window ends: applies
 * `watch-ended` (expired), which changes nothing when the watch ended otherwise already. The guards'
 * scheduler, finding the watch over at its next tick, then stops (`settleEndedRun`).
 */
export function createWatchEndProcessor(deps: Pick<GuardDeps, 'store' | 'engine' | 'logger'>) {
  return async (job: Job): Promise<void> => {
    const { runId } = runJobSchema.parse(job.data);
    if (!(await deps.store.get(runId))) return;
    const run = await deps.engine.apply(runId, { type: 'watch-ended', end: { kind: 'expired' } });
    deps.logger.info({ run: runId, end: run.watch?.end?.kind }, 'day-after watch window ended');
  };
}
