import type { Job } from 'bullmq';
import { createChannelPacer } from './channel-pacer.js';
import { sleepJob } from './sleep-job.js';
import { deployLogJobId, runJobSchema } from '../engine/job-schemas.js';
import { postReply } from './notify-once.js';
import { createReplyOrder, LAST_PLACE } from './reply-order.js';
import type { WorkerDeps } from '../engine/worker-deps.js';

/** Gives the thread replies of the run's last transition (queued alongside) a head start to take their places before the summary. */
const SUMMARY_DELAY_MS = 1500;

/**
 * `summary` jobs on the notify queue: posts the deployment summary in the run's thread once, after every
 * reply of the run still pending, then records `summary-posted` on the run. A retry after the post but
 * before the record skips the post and records.
 */
export function createSummaryProcessor(deps: Pick<WorkerDeps, 'redis' | 'keyPrefix' | 'store' | 'engine' | 'notifier' | 'logger' | 'queues'>) {
  const replies = { store: deps.store, pacer: createChannelPacer(deps.redis, deps.keyPrefix), order: createReplyOrder(deps.redis, deps.keyPrefix) };
  return async (job: Job, token?: string): Promise<void> => {
    const { runId } = runJobSchema.parse(job.data);
    const stored = await deps.store.get(runId);
    if (!stored || stored.summaryPosted) return;
    if (job.attemptsMade === 0 && Date.now() - job.timestamp < SUMMARY_DELAY_MS) await sleepJob(job, token, job.timestamp + SUMMARY_DELAY_MS - Date.now());
    const result = await postReply(replies, job, token, runId, LAST_PLACE, (run) => deps.notifier.postSummary(run));
    if (!result) return;
    const run = await deps.engine.apply(runId, { type: 'summary-posted' });
    deps.logger.info({ run: runId, posted: result.posted }, 'deployment summary posted');
    // The log sleeps until the summary is out: waking it now spares it looking again (its own timer wakes it
    // anyway, should this worker die here or the log be between two looks).
    const log = await deps.queues.notify.getJob(deployLogJobId(run));
    if (log && (await log.isDelayed())) await log.promote().catch((err: unknown) => deps.logger.debug({ err, run: runId }, 'deployment log not woken'));
  };
}
