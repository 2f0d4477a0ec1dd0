import type { Logger } from '../../observability/create-logger.js';
import { FOLLOWUPS_QUEUE, type Queues } from '../engine/create-queues.js';

/** The queues whose jobs sleep until a run's message is posted. */
export type WakeQueues = Pick<Queues, 'notify' | 'followups'>;

/** How a job is named among a run's message waiters: `<queue>:<job id>`. */
export function waiterOf(queueName: string, jobId: string): string {
  return `${queueName}:${jobId}`;
}

/**
 * Wakes jobs asleep as delayed jobs (`<queue>:<job id>`, see sleepUntilWoken) now that what they wait for
 * happened. A job no longer delayed (it woke by its own timer, or is between its look and its sleep) is left
 * alone: its own timer bounds how late it goes.
 */
export async function wakeJobs(queues: WakeQueues, waiters: readonly string[], logger: Logger): Promise<void> {
  await Promise.all(
    waiters.map(async (waiter) => {
      const at = waiter.indexOf(':');
      const queue = waiter.slice(0, at) === FOLLOWUPS_QUEUE ? queues.followups : queues.notify;
      const job = await queue.getJob(waiter.slice(at + 1));
      await job?.promote().catch((err: unknown) => logger.debug({ err, waiter }, 'job not woken: no longer delayed'));
    }),
  );
}
