import type { Job } from 'bullmq';
import { deployLogJobId, deployLogJobSchema, summaryJobId } from '../engine/job-schemas.js';
import type { WorkerDeps } from '../engine/worker-deps.js';
import { createChannelPacer } from './channel-pacer.js';
import { sleepUntilWoken } from './sleep-job.js';
import { postReply } from './notify-once.js';
import { createReplyOrder, jobPending } from './reply-order.js';

/**
 * How long the log waits, at least, before looking again whether the summary it follows is out. The summary
 * wakes it once posted (it sleeps as a delayed job for that, never in the worker), so this only bounds how late
 * it goes when that wake is lost.
 */
const WAIT_FOR_SUMMARY_MS = 15_000;
/** How long after the summary's turn (or the first post's, before the summary has one) the log looks again. */
const AFTER_TURN_MS = 250;

/** Audit entries a log reads: as many as its timeline shows. */
const LOG_AUDIT_ENTRIES = 500;

/**
 * `deploy-log` jobs on the notify queue, enqueued with the run's summary: once the summary job has finished
 * (posted, or failed for good: a lost summary does not hold the log back), uploads the deployment log as a
 * Markdown file in the run's thread, at most once per run — the claim of `postOnce` (a Redis marker keyed by
 * the job id, which names the run) is taken before Slack is called, so a retried or duplicated job posts
 * nothing more — in the channel's turn shared with the other writes. When a follow-up phase of a succeeded
 * run ends, the engine queues the log again (`followUp`, one job per such transition) with its results.
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
      // The summary cannot be out before its turn, nor before the run message it replies under: no earlier
      // look can find it (each look is two job moves in Redis).
      const turn = (await replies.pacer.turnIn(summaryJobId(stored))) ?? (stored.messageTs ? undefined : await replies.pacer.aheadRenderIn(runId));
      await sleepUntilWoken(job, token, Math.max(WAIT_FOR_SUMMARY_MS, (turn ?? 0) + AFTER_TURN_MS));
    }
    const result = await postReply(replies, job, token, runId, undefined, async (run) => {
      deps.logger.debug({ run: runId }, 'uploading the deployment log');
      await deps.notifier.postLog(run, await deps.store.audit(run.id, LOG_AUDIT_ENTRIES), deps.now(), followUp);
    });
    if (result) deps.logger.info({ run: runId, posted: result.posted }, 'deployment log uploaded');
  };
}
