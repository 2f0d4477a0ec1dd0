import { UnrecoverableError, type Job } from 'bullmq';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../run/store/create-redis.js';
import type { Logger } from '../../observability/create-logger.js';
import type { Run } from '../../run/core/run-schema.js';
import type { RenderRead } from '../../run/store/render-index.js';
import type { RunStore } from '../../run/store/run-store.js';
import { renderJobSchema } from '../engine/job-schemas.js';
import type { RunNotifier } from './run-notifier.js';
import { createChannelPacer, renderWaitingKeyOf } from './channel-pacer.js';
import { sleepJob } from './sleep-job.js';
import { retryAfterOf } from './retry-after-of.js';
import { wakeJobs, type WakeQueues } from './wake-jobs.js';

export interface ProcessRenderOptions {
  redis: RedisClient;
  /** The braced key prefix shared with the run store. */
  keyPrefix: string;
  store: RunStore;
  notifier: RunNotifier;
  logger: Logger;
  /** Where the replies asleep until the run's message is posted wait: the render that records it wakes them. */
  queues: WakeQueues;
  /** Minimum spacing of Slack writes in one channel. Default CHANNEL_SPACING_MS (1100 ms). */
  channelSpacingMs?: number;
  /**
   * How long a message may trail its run before its renders go ahead of the channel's line of thread
   * replies. Default {@link MESSAGE_LAG_BOUND_MS}.
   */
  messageLagBoundMs?: number;
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

/**
 * How long the render lock lives without renewal: how soon a dead worker's render stops blocking the next.
 * Short, since a lapse is safe: the write is then not recorded and the run renders again.
 */
export const RENDER_LOCK_MS = 4_000;
/** Renewed this often while held, so a slow Slack call never lets a second render in beside it. */
const RENDER_LOCK_RENEW_MS = 1_000;
/** How long a render that finds the lock held waits before trying again. */
const LOCK_RETRY_MS = 250;
/** Default bound on how long a message may trail its run before its render goes ahead of the channel's line. */
export const MESSAGE_LAG_BOUND_MS = 15_000;

/** A post-attempt mark outlives every retry of a render; after that nothing reads it. */
const POST_ATTEMPT_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Slack stamps a message with its own clock: searching from a little before our attempt keeps skew from hiding it. */
const CLOCK_SKEW_MS = 2 * 60 * 1000;
/** A render waiting for its turn stands for its run's later renders this long past the turn, in case its worker died. */
const WAITING_GRACE_MS = 30_000;

/**
 * Whether a render of the run is under way or already going ahead of its channel's line: one holds the
 * run's render lock (renewed while it lives), or one sleeps for a turn it took ahead of the line. Another
 * render enqueued then would only wait for the lock, so the reconciler leaves the run to it.
 */
export async function renderInHand(redis: RedisClient, keyPrefix: string, store: RunStore, runId: string): Promise<boolean> {
  if (await store.renders.renderLockHeld(runId)) return true;
  return (await redis.get(renderWaitingKeyOf(keyPrefix, runId)))?.startsWith('ahead:') ?? false;
}

/** The render lock lapsed while a write was in flight: nothing was recorded, and the job renders again. */
class RenderLockLapsedError extends Error {
  constructor(runId: string) {
    super(`The render lock of run ${runId} lapsed during the write; rendering again.`);
    this.name = 'RenderLockLapsedError';
  }
}

/**
 * BullMQ processor for the `notify` queue. Every stored change enqueues a render job, but each job renders
 * the run as it is *now*, so jobs for older versions find nothing left to do: that is the coalescing.
 * A per-run lock (renewed while held) keeps two renders of one message from racing, and a write is recorded
 * only while the lock is still held, so an older rendering can never land last unnoticed. Every write takes
 * its turn in the channel (shared with thread replies) so a busy channel stays under Slack's rate limit.
 * While one render of a run sleeps for its turn, the run's later renders leave it to that one: it reads the
 * run when its turn comes, so a run holds at most one turn however often it changes. Likewise the engine queues
 * no render while the run's marked render is queued and has not read it (see RunEngine.enqueueRender): the
 * job gives up that mark right before its read, so a change stored after the read queues a render of its own.
 *
 * A run's first message goes ahead of the line, since its replies, alerts and buttons all wait for it; so
 * does the render of a message that has trailed its run for longer than `messageLagBoundMs` (or that the
 * reconciler re-enqueued as `late`): it takes over from a render still waiting in the line, which finds
 * nothing left to do when its turn comes. That bounds how long a message can stay behind however long the
 * channel's line of thread replies is.
 */
export function createRenderProcessor(options: ProcessRenderOptions) {
  const pacer = createChannelPacer(options.redis, options.keyPrefix, options.channelSpacingMs);
  const messageLagBoundMs = options.messageLagBoundMs ?? MESSAGE_LAG_BOUND_MS;
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
  /** Shows the run as read in its message; `shown` is the digest of what that sends (RunNotifier.shownDigest). */
  const write = async ({ run, readAt }: RenderRead, shown: string, owner: string): Promise<void> => {
    const { store } = options;
    let renderedSeq = run.seq;
    if (run.messageTs) {
      await store.renders.forgetShown(run.id);
      await publish(() => options.notifier.update(run, run.messageTs!));
    } else {
      const { ts, adopted } = await firstMessage(run);
      const stored = await store.setMessageTs(run.id, ts);
      // An adopted message shows the run as it was when first posted.
      if (adopted) await publish(() => options.notifier.update(run, ts));
      // Recording the ts is itself a change; count it as rendered only if nothing else changed meanwhile.
      if (stored.seq === run.seq + 1) renderedSeq = stored.seq;
    }
    if ((await store.renders.setRenderedSeq(run.id, renderedSeq, readAt, owner, shown)) === undefined) throw new RenderLockLapsedError(run.id);
    options.logger.debug({ run: run.id, seq: run.seq }, 'run message rendered');
  };

  /**
   * Records the run as shown when its message already shows what it would be edited to: the changes since are
   * ones the message does not show (its own ts, the commit the version was built from), so an edit
   * would change nothing people see; no Slack call, no turn in the channel. True when so recorded.
   */
  const alreadyShown = async ({ run, readAt, shown }: RenderRead, digest: string, owner: string): Promise<boolean> => {
    if (!run.messageTs || shown !== digest) return false;
    if ((await options.store.renders.setRenderedSeq(run.id, run.seq, readAt, owner, digest)) === undefined) throw new RenderLockLapsedError(run.id);
    options.logger.debug({ run: run.id, seq: run.seq }, 'run message already shows the run');
    return true;
  };

  return async (job: Job, token?: string): Promise<void> => {
    const { runId, late } = renderJobSchema.parse(job.data);
    const { redis, keyPrefix, store, logger } = options;
    const jobId = job.id ?? job.name;
    const waitingKey = renderWaitingKeyOf(keyPrefix, runId);
    const owner = randomUUID();
    if (!(await store.renders.holdRenderLock(runId, owner, RENDER_LOCK_MS))) await sleepJob(job, token, LOCK_RETRY_MS);
    const renewal = setInterval(() => {
      store.renders.holdRenderLock(runId, owner, RENDER_LOCK_MS).catch((err: unknown) => logger.warn({ err, run: runId }, 'could not renew the render lock'));
    }, RENDER_LOCK_RENEW_MS);
    try {
      // Given up before the run is read: an engine or render that still sees a mark leaves its change to the read below.
      await store.renders.releaseRenderMarks(runId, jobId, late === true);
      const read = await store.renders.readForRender(runId);
      if (!read || read.run.seq <= read.rendered) return;
      // Rendered once here, for both the comparison and the record of the write below.
      const digest = options.notifier.shownDigest(read.run);
      if (await alreadyShown(read, digest, owner)) return;
      const { run } = read;
      const overdue = late === true || (read.dueSince !== undefined && read.readAt - read.dueSince > messageLagBoundMs);
      const ahead = !run.messageTs || overdue;
      const waiting = await redis.get(waitingKey);
      // An overdue render takes over from one waiting in the line, never from one already going ahead.
      if (waiting !== null && (!overdue || waiting.startsWith('ahead:'))) {
        logger.debug({ run: run.id, seq: run.seq, waiting }, 'render left to the one waiting for its turn');
        return;
      }
      if (overdue) logger.warn({ run: run.id, seq: run.seq, rendered: read.rendered, lagMs: read.readAt - (read.dueSince ?? read.readAt) }, 'run message behind its run past the bound: rendering ahead of the line');
      const sleepUntilTurn = async (wait: number) => {
        await redis.set(waitingKey, ahead ? `ahead:${jobId}` : jobId, 'PX', wait + WAITING_GRACE_MS);
        await sleepJob(job, token, wait);
      };
      const wait = await pacer.book(run.channel, job, { ahead });
      if (wait > 0) await sleepUntilTurn(wait);
      try {
        await write(read, digest, owner);
        // The first seq recorded for the message: the replies asleep until it exists may go now.
        if (read.rendered === 0) await wakeJobs(options.queues, await store.renders.takeMessageWaiters(runId), logger);
      } catch (err) {
        const retryAfterMs = retryAfterOf(err);
        if (retryAfterMs === undefined) throw err;
        await sleepUntilTurn(await pacer.book(run.channel, job, { notBeforeMs: retryAfterMs }));
      }
    } finally {
      clearInterval(renewal);
      await store.renders.releaseRenderLock(runId, owner);
    }
  };
}
