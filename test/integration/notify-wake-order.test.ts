import { randomBytes } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueues, queuePrefix, type Queues } from '../../src/queue/engine/create-queues.js';
import { sleepJob } from '../../src/queue/notify/sleep-job.js';
import { waitUntil } from '../support/wait-until.js';
import { deleteKeys } from '../support/delete-keys.js';

// Under load the notify queue holds thousands of new jobs. A job that went to sleep for its channel turn must
// come back before them, not behind them: behind them it missed its turn, booked another and slept again, and
// run messages trailed their runs by minutes (BENCHMARKS.md section 5).

const NEW_JOBS = 20;
const WORK_MS = 25;
const SLEEP_MS = 200;

let closing: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closing) await close();
  closing = [];
});

describe('a notify job woken from its sleep', () => {
  it('runs before the new notify jobs queued while it slept', async () => {
    const prefix = `wake-order-${randomBytes(4).toString('hex')}`;
    const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    const queues: Queues = createQueues(redis, prefix);
    const order: string[] = [];
    let sleeper = 0;
    const worker = new Worker(
      'notify',
      async (job: Job, token?: string) => {
        if (job.name === 'sleeper' && sleeper++ === 0) {
          order.push('sleeper asleep');
          await sleepJob(job, token, SLEEP_MS);
        }
        order.push(job.name);
        await new Promise((resolve) => setTimeout(resolve, WORK_MS));
      },
      { connection, prefix: queuePrefix(prefix), concurrency: 1 },
    );
    closing.push(async () => {
      await worker.close();
      await queues.close();
      await deleteKeys(redis, `{${prefix}}*`);
      redis.disconnect();
      connection.disconnect();
    });

    await queues.notify.add('sleeper', {});
    await waitUntil('the sleeper asleep', () => (order.includes('sleeper asleep') ? true : undefined), 10_000);
    for (let i = 0; i < NEW_JOBS; i += 1) await queues.notify.add('new', { i });
    await waitUntil('every job done', () => (order.filter((name) => name !== 'sleeper asleep').length === NEW_JOBS + 1 ? true : undefined), 20_000);

    // The new jobs take NEW_JOBS x WORK_MS, far longer than the sleep: the sleeper woke while most still waited.
    const after = order.length - 1 - order.indexOf('sleeper');
    expect(after, `order: ${order.join(', ')}`).toBeGreaterThanOrEqual(NEW_JOBS / 2);
  });
});
