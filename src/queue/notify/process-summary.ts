import type { Job } from 'bullmq';
import { createChannelPacer } from './channel-pacer.js';
import { sleepJob } from './sleep-job.js';
import { deployLogJobId, runJobSchema } from '../engine/job-schemas.js';
import { postReply } from './notify-once.js';
import { createReplyOrder, LAST_PLACE } from './reply-order.js';
import type { WorkerDeps } from '../engine/worker-deps.js';
import { uploadDeployLog } from './upload-deploy-log.js';

/** Gives the thread replies of the run's last transition (queued alongside) a head start to take their places before the summary. */
const SUMMARY_DELAY_MS = 1500;

/**
 * `summary` jobs on the notify queue: posts the deployment summary in the run's thread once, after every
 * reply of the run still pending, records `summary-posted` on the run, then uploads the deployment log after
 * it, in the channel's next turn. A retry after the post but before the record skips the post and records; a
 * job woken or retried after the record goes straight to the log, which posts once under the log's own claim
 * (`deploy-log-<run>`, the id a separate log job had before, so a log job an older version queued posts nothing
 * more). One job for both: a log job of its own cost a job's life and its sleeps until the summary was out.
 */
export function createSummaryProcessor(deps: Pick<WorkerDeps, 'redis' | 'keyPrefix' | 'store' | 'engine' | 'notifier' | 'logger' | 'now'>) {
  const replies = { store: deps.store, pacer: createChannelPacer(deps.redis, deps.keyPrefix), order: createReplyOrder(deps.redis, deps.keyPrefix) };
  return async (job: Job, token?: string): Promise<void> => {
    const { runId } = runJobSchema.parse(job.data);
    const stored = await deps.store.get(runId);
    if (!stored) return;
    let run = stored;
    if (!stored.summaryPosted) {
      if (job.attemptsMade === 0 && Date.now() - job.timestamp < SUMMARY_DELAY_MS) await sleepJob(job, token, job.timestamp + SUMMARY_DELAY_MS - Date.now());
      const result = await postReply(replies, job, token, runId, LAST_PLACE, (current) => deps.notifier.postSummary(current));
      if (!result) return;
      run = await deps.engine.apply(runId, { type: 'summary-posted' });
      deps.logger.info({ run: runId, posted: result.posted }, 'deployment summary posted');
    }
    await uploadDeployLog(deps, replies, job, token, runId, { followUp: false, claim: deployLogJobId(run) });
  };
}
