import type { Job } from 'bullmq';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import type { Run } from '../../run/core/run-schema.js';
import { createChannelPacer } from './channel-pacer.js';
import { sleepJob, sleepUntilWoken } from './sleep-job.js';
import { deployLogJobId, runJobSchema } from '../engine/job-schemas.js';
import { claimKeyOf, claimPost, postReply } from './notify-once.js';
import { createReplyOrder, LAST_PLACE } from './reply-order.js';
import type { WorkerDeps } from '../engine/worker-deps.js';
import { LOG_AUDIT_ENTRIES, uploadDeployLog } from './upload-deploy-log.js';
import { headStartEnd, joinShownWaiters, WAIT_FOR_SHOWN_MS } from './enqueue-summary.js';

/** How long after it was queued a summary stops waiting for the message (Slack refusing its edits for good, say). */
const SHOWN_PATIENCE_MS = 5 * 60_000;

type SummaryDeps = Pick<WorkerDeps, 'redis' | 'keyPrefix' | 'store' | 'engine' | 'notifier' | 'logger' | 'now'>;

/**
 * The summary, as the message that shares the deployment log: one reply (and one channel turn) for both, under
 * the log's claim as well as the summary's, so a log job an older version queued posts nothing more. Without
 * the log claim (that job posted it) the summary goes alone. When Slack refuses the file for good (no
 * `files:write`), the summary goes alone all the same, and the log's own attempt after it reports why.
 * Returns whether the log went with it.
 */
async function shareSummary(deps: SummaryDeps, job: Job, run: Run): Promise<boolean> {
  const logClaim = deployLogJobId(run);
  if (!(await claimPost(deps.store, job, logClaim))) {
    await deps.notifier.postSummary(run);
    return false;
  }
  try {
    await deps.notifier.postSummary(run, { audit: await deps.store.audit(run.id, LOG_AUDIT_ENTRIES), now: deps.now() });
    return true;
  } catch (err) {
    await deps.store.releaseOnce(claimKeyOf(job, logClaim));
    if (!isFlightdeckError(err) || err.retryable) throw err;
    deps.logger.warn({ run: run.id, err }, 'the deployment log could not be shared with the summary; posting the summary alone');
    await deps.notifier.postSummary(run);
    return false;
  }
}

/**
 * `summary` jobs on the notify queue: posts the deployment summary, with the deployment log, in the run's
 * thread once, after every reply of the run still pending and once the run message shows the run, and records
 * `summary-posted` on the run. A retry
 * after the post but before the record skips the post and records. The log is uploaded on its own after the
 * summary only when it could not go with it (see shareSummary), or when a retry cannot tell: its claim
 * (`deploy-log-<run>`, the id a separate log job had before) makes it post once either way.
 */
export function createSummaryProcessor(deps: SummaryDeps) {
  const replies = { store: deps.store, pacer: createChannelPacer(deps.redis, deps.keyPrefix), order: createReplyOrder(deps.redis, deps.keyPrefix) };
  return async (job: Job, token?: string): Promise<void> => {
    const { runId } = runJobSchema.parse(job.data);
    const stored = await deps.store.get(runId);
    if (!stored) return;
    let run = stored;
    let logShared = false;
    if (!stored.summaryPosted) {
      if (job.attemptsMade === 0 && Date.now() < headStartEnd(job)) await sleepJob(job, token, headStartEnd(job) - Date.now());
      // The summary says how the run ended: the message above it says so first. Renders have a queue of their own,
      // and under load a summary that did not wait was posted while the message still showed the run going.
      if (Date.now() - job.timestamp < SHOWN_PATIENCE_MS && !(await deps.store.renders.isShown(runId))) {
        await sleepUntilWoken(job, token, WAIT_FOR_SHOWN_MS, () => joinShownWaiters(deps, job, runId));
      }
      const result = await postReply(replies, job, token, stored, LAST_PLACE, async (current) => {
        logShared = await shareSummary(deps, job, current);
      });
      if (!result) return;
      // Read before the post, which wrote nothing of the run: its seq most likely still holds, sparing a read.
      run = await deps.engine.apply(runId, { type: 'summary-posted' }, result.run);
      deps.logger.info({ run: runId, posted: result.posted, withLog: logShared }, 'deployment summary posted');
    }
    if (!logShared) await uploadDeployLog(deps, replies, job, token, runId, { followUp: false, claim: deployLogJobId(run) });
  };
}
