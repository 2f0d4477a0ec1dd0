import { UnrecoverableError, type Job } from 'bullmq';
import { isFlightdeckError } from '../errors/flightdeck-error.js';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/create-logger.js';
import type { Run } from '../run/core/run-schema.js';
import type { RunStore } from '../run/store/run-store.js';
import { renderJobSchema } from './job-schemas.js';
import type { RunNotifier } from './run-notifier.js';
import { createChannelPacer, sleepJob } from './channel-pacer.js';
import { retryAfterOf } from './retry-after-of.js';

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

/** A post-attempt mark outlives every retry of a render; after that nothing reads it. */
const POST_ATTEMPT_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Slack stamps a message with its own clock: searching from a little before our attempt keeps skew from hiding it. */
const CLOCK_SKEW_MS = 2 * 60 * 1000;
/** A render waiting for its turn stands for its run's later renders this long past the turn, in case its worker died. */
const WAITING_GRACE_MS = 30_000;

/**
 * BullMQ processor for the `notify` queue. Every stored change enqueues a render job, but each job renders
 * the run as it is *now*, so jobs for older versions find nothing left to do: that is the coalescing.
 * A per-run lock keeps two renders of one message from racing (an older one could land last), and every
 * write takes its turn in the channel (shared with thread replies) so a busy channel stays under Slack's
 * rate limit; a run's first message goes ahead of the line, since its replies, alerts and buttons all wait
 * for it. While one render of a run sleeps for its turn, the run's later renders leave it to that one:
 * it reads the run when its turn comes, so a run holds at most one turn however often it changes.
 */
export function createRenderProcessor(options: ProcessRenderOptions) {
  const pacer = createChannelPacer(options.redis, options.keyPrefix, options.channelSpacingMs);

  /**
   * chat.postMessage has no idempotency key: a post whose answer was lost, or whose worker died before
   * storing the ts, may still have reached the channel. Every first post is marked in Redis beforehand;
   * a render that finds the mark but no ts searches the channel for the earlier post and adopts it.
   */
  const firstMessage = async (run: Run): Promise<{ ts: string; adopted: boolean }> => {
    const markKey = `{${options.keyPrefix}}:post-attempt:${run.id}`;
    const attemptedAt = await options.redis.get(markKey);
    if (attemptedAt !== null) {
      const ts = await findEarlierPost(run, Number(attemptedAt) - CLOCK_SKEW_MS);
      if (ts) return { ts, adopted: true };
    }
    // NX keeps the first attempt's time, so a search always reaches back to the earliest post.
    const firstAttempt = (await options.redis.set(markKey, String(Date.now()), 'PX', POST_ATTEMPT_TTL_MS, 'NX')) === 'OK';
    try {
      return { ts: await publish(() => options.notifier.post(run)), adopted: false };
    } catch (err) {
      // A 429 is Slack's answer that nothing was posted: with no earlier attempt there is nothing to search for.
      if (firstAttempt && retryAfterOf(err) !== undefined) await options.redis.del(markKey);
      throw err;
    }
  };

  const findEarlierPost = async (run: Run, sinceMs: number): Promise<string | undefined> => {
    const { notifier, logger } = options;
    try {
      return await notifier.findPosted(run, sinceMs);
    } catch (err) {
      if (!isFlightdeckError(err) || err.retryable) throw err;
      logger.warn(
        { run: run.id, err: err.message },
        'cannot search the channel for an earlier post of the run message (grant channels:history/groups:history and invite the app); posting again',
      );
      return undefined;
    }
  };
  const write = async (run: Run): Promise<void> => {
    const { store } = options;
    let renderedSeq = run.seq;
    if (run.messageTs) {
      await publish(() => options.notifier.update(run, run.messageTs!));
    } else {
      const { ts, adopted } = await firstMessage(run);
      const stored = await store.setMessageTs(run.id, ts);
      // An adopted message shows the run as it was when first posted.
      if (adopted) await publish(() => options.notifier.update(run, ts));
      // Recording the ts is itself a change; count it as rendered only if nothing else changed meanwhile.
      if (stored.seq === run.seq + 1) renderedSeq = stored.seq;
    }
    await store.setRenderedSeq(run.id, renderedSeq);
    options.logger.debug({ run: run.id, seq: run.seq }, 'run message rendered');
  };

  return async (job: Job, token?: string): Promise<void> => {
    const { runId } = renderJobSchema.parse(job.data);
    const { redis, keyPrefix, store } = options;
    const lockKey = `{${keyPrefix}}:render-lock:${runId}`;
    const waitingKey = `{${keyPrefix}}:render-waiting:${runId}`;
    const owner = randomUUID();
    if ((await redis.set(lockKey, owner, 'PX', 15_000, 'NX')) !== 'OK') await sleepJob(job, token, 250);
    try {
      // Given up before the run is read: a render that still sees this mark leaves its change to the read below.
      await redis.eval(RELEASE_IF_OWNER, 1, waitingKey, job.id ?? job.name);
      const run = await store.get(runId);
      if (!run || run.seq <= (await store.getRenderedSeq(runId))) return;
      const waiting = await redis.get(waitingKey);
      if (waiting !== null) {
        options.logger.debug({ run: run.id, seq: run.seq, waiting }, 'render left to the one waiting for its turn');
        return;
      }
      const sleepUntilTurn = async (wait: number) => {
        await redis.set(waitingKey, job.id ?? job.name, 'PX', wait + WAITING_GRACE_MS);
        await sleepJob(job, token, wait);
      };
      const wait = await pacer.book(run.channel, job, { ahead: !run.messageTs });
      if (wait > 0) await sleepUntilTurn(wait);
      try {
        await write(run);
      } catch (err) {
        const retryAfterMs = retryAfterOf(err);
        if (retryAfterMs === undefined) throw err;
        await sleepUntilTurn(await pacer.book(run.channel, job, { notBeforeMs: retryAfterMs }));
      }
    } finally {
      await redis.eval(RELEASE_IF_OWNER, 1, lockKey, owner);
    }
  };
}
