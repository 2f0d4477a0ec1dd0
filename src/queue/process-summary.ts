import { DelayedError, type Job } from 'bullmq';
import { runJobSchema } from './job-schemas.js';
import { postOnce, runWithMessage } from './notify-once.js';
import type { WorkerDeps } from './worker-deps.js';

/** Gives the thread replies of the run's last transition (queued alongside) a head start, so the summary comes last. */
const SUMMARY_DELAY_MS = 1500;

/**
 * `summary` jobs on the notify queue: posts the deployment summary in the run's thread once, then records
 * `summary-posted` on the run. A retry after the post but before the record skips the post and records.
 */
export function createSummaryProcessor(deps: Pick<WorkerDeps, 'store' | 'engine' | 'notifier' | 'logger'>) {
  return async (job: Job, token?: string): Promise<void> => {
    const { runId } = runJobSchema.parse(job.data);
    const run = await runWithMessage(deps.store, runId, job, token);
    if (!run || run.summaryPosted) return;
    if (job.attemptsMade === 0 && Date.now() - job.timestamp < SUMMARY_DELAY_MS) {
      await job.moveToDelayed(job.timestamp + SUMMARY_DELAY_MS, token);
      throw new DelayedError();
    }
    const posted = await postOnce(deps.store, job, () => deps.notifier.postSummary(run));
    await deps.engine.apply(runId, { type: 'summary-posted' });
    deps.logger.info({ run: runId, posted }, 'deployment summary posted');
  };
}
