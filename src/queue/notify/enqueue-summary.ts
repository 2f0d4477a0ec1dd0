import type { Job } from 'bullmq';
import type { Logger } from '../../observability/create-logger.js';
import type { Run } from '../../run/core/run-schema.js';
import type { RunStore } from '../../run/store/run-store.js';
import { NOTIFY_QUEUE, type Queues } from '../engine/create-queues.js';
import { summaryJobId } from '../engine/job-schemas.js';
import { wakeAt, waiterOf } from './wake-jobs.js';

/** Gives the thread replies of the run's last transition (queued alongside) a head start to take their places before the summary. */
export const SUMMARY_DELAY_MS = 1500;

/** When the summary's head start ends: it is neither woken nor posted before then. */
export const headStartEnd = (job: Pick<Job, 'timestamp'>): number => job.timestamp + SUMMARY_DELAY_MS;

/**
 * How long a summary sleeps at a time for the run's message to show the run's end: the render that shows it wakes
 * the summary, so this only bounds how late it goes should that wake be lost.
 */
export const WAIT_FOR_SHOWN_MS = 15_000;

/**
 * Queues the run's summary asleep until its message shows the run (process-summary.ts says why it waits), or awake
 * when it does already. Queued awake, nearly every summary would only look and go to sleep at once (the run's last
 * change is its render's to show): a priority change, a move to delayed and a fetch more, about 40 Redis commands a
 * run. It sleeps before it joins the message's waiters, so the render that shows the run cannot wake it too early
 * to count, and is woken no sooner than its head start's end. A summary queued already keeps its state.
 */
export async function enqueueSummary(deps: { queues: Pick<Queues, 'notify'>; store: RunStore; logger: Logger }, run: Run): Promise<void> {
  const jobId = summaryJobId(run);
  // Asked for again (the reconciler asks on each pass while the message trails the ended run): the job queued is
  // left as it is, asleep or not, rather than counted among the waiters once more.
  const queued = await deps.queues.notify.getJob(jobId);
  if (queued && queued.finishedOn === undefined) return;
  // Priority 0, as a job woken from its sleep has (sleep-job.ts): it goes before the new work queued meanwhile.
  const job = await deps.queues.notify.add('summary', { runId: run.id }, { jobId, delay: WAIT_FOR_SHOWN_MS, priority: 0 });
  const notBefore = headStartEnd(job);
  if (!(await deps.store.renders.awaitShown(run.id, waiterOf(NOTIFY_QUEUE, jobId, notBefore)))) return;
  await wakeAt(job, notBefore).catch((err: unknown) => deps.logger.debug({ err, run: run.id }, 'summary not woken: no longer delayed'));
}
