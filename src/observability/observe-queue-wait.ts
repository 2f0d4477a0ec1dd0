import type { Job } from 'bullmq';
import type { FlightdeckMetrics } from './create-metrics.js';

/**
 * Records how long a job waited for a worker, on the worker's `active` event. Retries are left out: their
 * wait includes the backoff BullMQ imposed on purpose, which is not queue pressure.
 */
export function observeQueueWait(metrics: FlightdeckMetrics, queue: string, job: Job, now: number = Date.now()): void {
  if (job.attemptsMade > 0) return;
  const runnableAt = job.timestamp + (job.delay ?? 0);
  const startedAt = job.processedOn ?? now;
  metrics.queueWait.observe({ queue }, Math.max(0, startedAt - runnableAt) / 1000);
}
