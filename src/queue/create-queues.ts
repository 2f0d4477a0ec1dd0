import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RenderJob, StepJob } from './job-schemas.js';

export const STEPS_QUEUE = 'steps';
export const NOTIFY_QUEUE = 'notify';

export interface Queues {
  steps: Queue<StepJob>;
  notify: Queue<RenderJob>;
  /** The BullMQ key prefix; braced so every queue key hashes to one Redis Cluster slot. */
  prefix: string;
  close(): Promise<void>;
}

/**
 * Finished jobs are removed: the run document and its audit stream are the record, and a removed job id
 * can be enqueued again by the reconciler when a run still needs that work.
 */
const JOB_DEFAULTS = { removeOnComplete: true, removeOnFail: true } as const;

export function queuePrefix(redisPrefix: string): string {
  return `{${redisPrefix}}:q`;
}

/** Creates the producer side of every queue on one shared connection (closed by the caller). */
export function createQueues(connection: Redis, redisPrefix: string): Queues {
  const prefix = queuePrefix(redisPrefix);
  const steps = new Queue<StepJob>(STEPS_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: { ...JOB_DEFAULTS, attempts: 6, backoff: { type: 'exponential', delay: 1000 } },
  });
  const notify = new Queue<RenderJob>(NOTIFY_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: { ...JOB_DEFAULTS, attempts: 8, backoff: { type: 'exponential', delay: 500 } },
  });
  return {
    steps,
    notify,
    prefix,
    async close() {
      await Promise.all([steps.close(), notify.close()]);
    },
  };
}
