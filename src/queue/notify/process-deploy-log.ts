import type { Job } from 'bullmq';
import { deployLogJobId, deployLogJobSchema, summaryJobId } from '../engine/job-schemas.js';
import type { WorkerDeps } from '../engine/worker-deps.js';
import { createChannelPacer } from './channel-pacer.js';
import { sleepJob } from './sleep-job.js';
import { createReplyOrder, jobPending } from './reply-order.js';
import { uploadDeployLog } from './upload-deploy-log.js';

/** How long a log an older version queued waits, at least, before looking again whether the summary it follows is out (nothing wakes it). */
const WAIT_FOR_SUMMARY_MS = 5_000;
/** How long after the summary's turn (or the first post's, before the summary has one) the log looks again. */
const AFTER_TURN_MS = 250;

/**
 * `deploy-log` jobs on the notify queue: the log posted again, with its results, when a follow-up phase of a
 * succeeded run ends (`followUp`, one job per such transition). The first log goes with the summary, in its
 * job (process-summary.ts); a first-log job an older version queued beside the summary still waits for the
 * summary's job to finish, then posts under the same claim as the summary's job would, so the log is posted
 * once either way.
 */
export function createDeployLogProcessor(deps: Pick<WorkerDeps, 'redis' | 'keyPrefix' | 'store' | 'notifier' | 'logger' | 'now'>) {
  const replies = { store: deps.store, pacer: createChannelPacer(deps.redis, deps.keyPrefix), order: createReplyOrder(deps.redis, deps.keyPrefix) };
  return async (job: Job, token?: string): Promise<void> => {
    const { runId, followUp = false } = deployLogJobSchema.parse(job.data);
    const stored = await deps.store.get(runId);
    if (!stored) return;
    // A job id of another run (a reused id after Redis was restored) is not this run's log.
    if (job.id !== deployLogJobId(stored) && !job.id?.startsWith(`${deployLogJobId(stored)}-`)) return;
    if (!stored.summaryPosted && (await jobPending(deps.redis, job, summaryJobId(stored)))) {
      const turn = (await replies.pacer.turnIn(summaryJobId(stored))) ?? (stored.messageTs ? undefined : await replies.pacer.aheadRenderIn(runId));
      await sleepJob(job, token, Math.max(WAIT_FOR_SUMMARY_MS, (turn ?? 0) + AFTER_TURN_MS));
    }
    await uploadDeployLog(deps, replies, job, token, runId, { followUp });
  };
}
