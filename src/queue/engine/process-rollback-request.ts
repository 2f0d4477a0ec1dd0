import type { Job } from 'bullmq';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import { toUserText } from '../../errors/user-text.js';
import { FLIGHTDECK_ACTOR } from '../../run/core/run-event.js';
import { rollbackRequestJobSchema } from './job-schemas.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * BullMQ processor for `rollback-request` (a deploy ended `failed` after changing the cluster, or a guard
 * or person aborted it): starts the rollback run that undoes it. Transient errors are retried by BullMQ;
 * a rollback that cannot start at all is reported on the run (`rollback-finished`, not ok) so its thread
 * says so and the summary still comes.
 */
export function createRollbackRequestProcessor(deps: WorkerDeps) {
  return async (job: Job): Promise<void> => {
    const { runId, reason } = rollbackRequestJobSchema.parse(job.data);
    const logger = deps.logger.child({ run: runId, job: job.id });
    const run = await deps.store.get(runId);
    if (!run || run.state === 'rolled-back' || run.state === 'rollback-failed') {
      logger.debug('rollback request no longer needed');
      return;
    }
    try {
      const rollback = await deps.startRollback({
        of: run,
        service: run.service,
        environment: run.environment,
        target: run.target,
        actor: FLIGHTDECK_ACTOR,
        channel: run.channel,
        reason: { kind: 'undoes', runId: run.id, cause: reason },
      });
      logger.info({ rollback: rollback.id }, 'rollback run started');
    } catch (err) {
      const attemptsLeft = (job.opts.attempts ?? 1) - job.attemptsMade - 1;
      if (isFlightdeckError(err) && err.retryable && attemptsLeft > 0) throw err;
      logger.error({ err }, 'rollback could not be started');
      if (run.state !== 'failed') return;
      await deps.engine.apply(run.id, { type: 'rollback-finished', ok: false, detail: `the rollback could not be started: ${toUserText(err, `job ${job.id}`)}` });
    }
  };
}
