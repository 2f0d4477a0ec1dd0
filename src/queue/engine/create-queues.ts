import { Queue } from 'bullmq';
import type { RedisClient } from '../../run/store/create-redis.js';

export const STEPS_QUEUE = 'steps';
export const ROLLBACK_QUEUE = 'rollback';
export const GUARDS_QUEUE = 'guards';
export const NOTIFY_QUEUE = 'notify';
export const FOLLOWUPS_QUEUE = 'followups';

export const QUEUE_NAMES = [STEPS_QUEUE, ROLLBACK_QUEUE, GUARDS_QUEUE, NOTIFY_QUEUE, FOLLOWUPS_QUEUE] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface Queues {
  /** Deploy runs' steps and checks. */
  steps: Queue;
  /** Rollback requests and rollback runs' steps: its own workers, so a rollback never waits behind deploys. */
  rollback: Queue;
  /** Periodic guard evaluation of active runs. */
  guards: Queue;
  /** Slack output: message renders, thread replies, summaries, alerts. */
  notify: Queue;
  /** Delayed follow-up phases (+1h, +24h, +7d after a run). */
  followups: Queue;
  /** The BullMQ key prefix; braced so every queue key hashes to one Redis Cluster slot. */
  prefix: string;
  all(): Queue[];
  close(): Promise<void>;
}

/**
 * Finished jobs are removed: the run document and its audit stream are the record, and a removed job id
 * can be enqueued again by the reconciler when a run still needs that work.
 */
const JOB_DEFAULTS = { removeOnComplete: true, removeOnFail: true } as const;

/**
 * New notify jobs are prioritized (BullMQ takes every job of no priority first, then prioritized ones in
 * order): a notify job going back to sleep for its channel turn drops its priority (sleepJob), so when it wakes
 * it goes before every job queued meanwhile. Without that, under load (10,000 runs queue 10,000 first posts
 * within a minute) a woken job waited behind thousands of new ones, missed its turn, booked another and slept
 * again, and messages trailed their runs by minutes while their channels were idle.
 */
export const NEW_WORK_PRIORITY = 1;

export function queuePrefix(redisPrefix: string): string {
  return `{${redisPrefix}}:q`;
}

/** Creates the producer side of every queue on one shared connection (closed by the caller). */
export function createQueues(connection: RedisClient, redisPrefix: string): Queues {
  const prefix = queuePrefix(redisPrefix);
  const retrying = { ...JOB_DEFAULTS, attempts: 6, backoff: { type: 'exponential', delay: 1000 } };
  const make = (name: QueueName, attempts = 6, delay = 1000, priority?: number) =>
    new Queue(name, { connection, prefix, defaultJobOptions: { ...retrying, attempts, backoff: { type: 'exponential', delay }, ...(priority === undefined ? {} : { priority }) } });
  const queues = {
    steps: make(STEPS_QUEUE),
    rollback: make(ROLLBACK_QUEUE, 10),
    guards: make(GUARDS_QUEUE, 3, 500),
    notify: make(NOTIFY_QUEUE, 8, 500, NEW_WORK_PRIORITY),
    followups: make(FOLLOWUPS_QUEUE),
  };
  return {
    ...queues,
    prefix,
    all: () => Object.values(queues),
    async close() {
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
    },
  };
}
