import type { Job } from 'bullmq';
import type { Logger } from '../../observability/create-logger.js';
import { FOLLOWUPS_QUEUE, type Queues } from '../engine/create-queues.js';

/** The queues whose jobs sleep until a run's message is posted. */
export type WakeQueues = Pick<Queues, 'notify' | 'followups'>;

/**
 * How a job is named among a run's message waiters: `<queue>:<job id>`, and `@<ms>` when it must not run before
 * that time (Date.now()'s clock) however early what it waits for happens.
 */
export function waiterOf(queueName: string, jobId: string, notBefore?: number): string {
  return notBefore === undefined ? `${queueName}:${jobId}` : `${queueName}:${jobId}@${notBefore}`;
}

/** Moves a delayed job to wait now, or to `notBefore` (ms) when that is later; rejects when the job is not delayed. */
export async function wakeAt(job: Job, notBefore?: number): Promise<void> {
  const wait = (notBefore ?? 0) - Date.now();
  await (wait > 0 ? job.changeDelay(wait) : job.promote());
}

/**
 * Wakes jobs asleep as delayed jobs (`<queue>:<job id>`, see sleepUntilWoken) now that what they wait for
 * happened, or moves them to their `@<ms>` when that is later. A job no longer delayed (it woke by its own timer,
 * or is between its look and its sleep) is left alone: its own timer bounds how late it goes.
 */
export async function wakeJobs(queues: WakeQueues, waiters: readonly string[], logger: Logger): Promise<void> {
  await Promise.all(
    waiters.map(async (waiter) => {
      const at = waiter.indexOf(':');
      const queue = waiter.slice(0, at) === FOLLOWUPS_QUEUE ? queues.followups : queues.notify;
      const [, jobId, notBefore] = /^(.*?)(?:@(\d+))?$/.exec(waiter.slice(at + 1)) ?? [];
      const job = jobId === undefined ? undefined : await queue.getJob(jobId);
      if (job) await wakeAt(job, notBefore === undefined ? undefined : Number(notBefore)).catch((err: unknown) => logger.debug({ err, waiter }, 'job not woken: no longer delayed'));
    }),
  );
}
