import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { isFlightdeckError } from '../errors/flightdeck-error.js';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/create-logger.js';
import type { RunStore } from '../run/run-store.js';
import { renderJobSchema } from './job-schemas.js';
import type { RunNotifier } from './run-notifier.js';
import { createChannelPacer } from './channel-pacer.js';

export interface ProcessRenderOptions {
  redis: Redis;
  /** The braced key prefix shared with the run store. */
  keyPrefix: string;
  store: RunStore;
  notifier: RunNotifier;
  logger: Logger;
  /** Minimum spacing of Slack writes in one channel. Default CHANNEL_SPACING_MS (1100 ms). */
  channelSpacingMs?: number;
}

/** Permanent refusals (channel not found, bad token) are not retried: only the log can help the operator. */
async function publish<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (isFlightdeckError(err) && !err.retryable) throw new UnrecoverableError(err.message);
    throw err;
  }
}

const RELEASE_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * BullMQ processor for the `notify` queue. Every stored change enqueues a render job, but each job renders
 * the run as it is *now*, so jobs for older versions find nothing left to do: that is the coalescing.
 * A per-run lock keeps two renders of one message from racing (an older one could land last), and a
 * per-channel slot spaces edits so a busy channel stays under Slack's rate limit.
 */
export function createRenderProcessor(options: ProcessRenderOptions) {
  const pacer = createChannelPacer(options.redis, options.keyPrefix, options.channelSpacingMs);
  return async (job: Job, token?: string): Promise<void> => {
    const { runId } = renderJobSchema.parse(job.data);
    const { redis, keyPrefix, store } = options;
    const lockKey = `{${keyPrefix}}:render-lock:${runId}`;
    const owner = randomUUID();
    if ((await redis.set(lockKey, owner, 'PX', 15_000, 'NX')) !== 'OK') {
      await job.moveToDelayed(Date.now() + 250, token);
      throw new DelayedError();
    }
    try {
      const run = await store.get(runId);
      if (!run || run.seq <= (await store.getRenderedSeq(runId))) return;
      await pacer.acquire(run.channel, job, token);
      let renderedSeq = run.seq;
      if (run.messageTs) {
        await publish(() => options.notifier.update(run, run.messageTs!));
      } else {
        const ts = await publish(() => options.notifier.post(run));
        const stored = await store.setMessageTs(run.id, ts);
        // Recording the ts is itself a change; count it as rendered only if nothing else changed meanwhile.
        if (stored.seq === run.seq + 1) renderedSeq = stored.seq;
      }
      await pacer.hold(run.channel);
      await store.setRenderedSeq(run.id, renderedSeq);
      options.logger.debug({ run: run.id, seq: run.seq }, 'run message rendered');
    } finally {
      await redis.eval(RELEASE_IF_OWNER, 1, lockKey, owner);
    }
  };
}
