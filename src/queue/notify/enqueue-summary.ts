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
 * the summary, so this only bounds how late it goes should that wake be lost (its waker died, or an older release's
 * render did not know to wake it). Under load a message shows its ended run more than 15 s on (21 s for some at
 * 10,000 runs, BENCHMARKS.md section 5), and a timer that short woke nearly every summary once to look and sleep
 * again: about 40 Redis commands a run for nothing.
 */
export const WAIT_FOR_SHOWN_MS = 60_000;

/**
 * Counts the summary, asleep as a delayed job, among the jobs that sleep until the run's message shows the run, under
 * one name whoever counts it (its queueing or its own look), so the render that shows the run wakes it once; wakes it
 * now (no sooner than its head start's end) when the message shows the run already. Joined only once the job is
 * asleep, so no render can take the waiters while the job is still active and lose its wake. A failure here leaves
 * the summary to its own timer.
 */
export async function joinShownWaiters(deps: { store: RunStore; logger: Logger }, job: Job, runId: string): Promise<void> {
  const notBefore = headStartEnd(job);
  try {
    if (!(await deps.store.renders.awaitShown(runId, waiterOf(NOTIFY_QUEUE, job.id ?? job.name, notBefore)))) return;
    await wakeAt(job, notBefore);
  } catch (err) {
    deps.logger.debug({ err, run: runId }, 'summary not woken: no longer delayed, or Redis did not answer; it wakes by its own timer');
  }
}

/**
 * Queues the run's summary asleep until its message shows the run (process-summary.ts says why it waits), or awake
 * when it does already. Queued awake, nearly every summary would only look and go to sleep at once (the run's last
 * change is its render's to show): a priority change, a move to delayed and a fetch more, about 40 Redis commands a
 * run. A summary queued already keeps its state.
 */
export async function enqueueSummary(deps: { queues: Pick<Queues, 'notify'>; store: RunStore; logger: Logger }, run: Run): Promise<void> {
  const jobId = summaryJobId(run);
  // Asked for again (the reconciler asks on each pass while the message trails the ended run): the job queued is
  // left as it is, asleep or not, rather than counted among the waiters once more.
  const queued = await deps.queues.notify.getJob(jobId);
  if (queued && queued.finishedOn === undefined) return;
  // Priority 0, as a job woken from its sleep has (sleep-job.ts): it goes before the new work queued meanwhile.
  const job = await deps.queues.notify.add('summary', { runId: run.id }, { jobId, delay: WAIT_FOR_SHOWN_MS, priority: 0 });
  await joinShownWaiters(deps, job, run.id);
}
