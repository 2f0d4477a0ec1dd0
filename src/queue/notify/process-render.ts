import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import type { RedisClient } from '../../run/store/create-redis.js';
import type { Logger } from '../../observability/create-logger.js';
import type { Run } from '../../run/core/run-schema.js';
import type { RenderAgain, RenderRead } from '../../run/store/render-index.js';
import type { RunStore } from '../../run/store/run-store.js';
import { renderJobSchema } from '../engine/job-schemas.js';
import type { RunNotifier } from './run-notifier.js';
import { createChannelPacer, RENDER_TURNS } from './channel-pacer.js';
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

/**
 * How long the render lock lives without renewal: how soon a dead worker's render stops blocking the next.
 * Short, since a lapse is safe: the write is then not recorded and the run renders again.
 */
export const RENDER_LOCK_MS = 4_000;
/**
 * How long a worker's claim on a run in the render queue lasts without renewal: past the lock's, so that a render
 * claimed again after its worker died finds the lock lapsed.
 */
export const RENDER_LEASE_MS = RENDER_LOCK_MS + 1_000;
/** Renewed this often while held, so a slow Slack call never lets a second render in beside it. */
const RENDER_LOCK_RENEW_MS = 1_000;
/** How long a render that finds the lock held waits before trying again. */
const LOCK_RETRY_MS = 250;
/** Default bound on how long a message may trail its run before its render goes ahead of the channel's line. */
export const MESSAGE_LAG_BOUND_MS = 15_000;
/** A render Slack failed runs again after this, doubled at each failure in a row, up to {@link MAX_RETRY_MS}. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
/** A render Slack refused for good (channel gone, token revoked) is tried again this seldom: only the operator can mend it. */
const REFUSED_RETRY_MS = 60_000;

/** A post-attempt mark outlives every retry of a render; after that nothing reads it. */
const POST_ATTEMPT_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Slack stamps a message with its own clock: searching from a little before our attempt keeps skew from hiding it. */
const CLOCK_SKEW_MS = 2 * 60 * 1000;

/**
 * Whether a render of the run is under way or already going ahead of its channel's line: one holds the
 * run's render lock (renewed while it lives), or one waits for a turn it took ahead of the line. A render asked
 * for then would only wait for the lock or stand behind it, so the reconciler leaves the run to it.
 */
export async function renderInHand(store: RunStore, runId: string): Promise<boolean> {
  if (await store.renders.renderLockHeld(runId)) return true;
  return (await store.renders.waitingMark(runId))?.startsWith('ahead:') ?? false;
}

/** The render lock lapsed while a write was in flight: nothing was recorded, and the run renders again. */
class RenderLockLapsedError extends Error {
  constructor(runId: string) {
    super(`The render lock of run ${runId} lapsed during the write; rendering again.`);
    this.name = 'RenderLockLapsedError';
  }
}

/** Renders a run the render queue handed to this worker; resolves to ms until it is due again, undefined when done. */
export type RunRenderer = (runId: string) => Promise<number | undefined>;

/**
 * Renders runs claimed from the render queue (render-loop.ts). Every stored change queues the run (once: a run
 * already queued stays as it is), and a render shows the run as it is *now*: that is the coalescing. A per-run
 * lock (renewed while held) keeps two renders of one message from racing, and a write is recorded only while the
 * lock is still held, so an older rendering can never land last unnoticed. Every write takes its turn in the
 * channel (shared with thread replies) so a busy channel stays under Slack's rate limit; while the render waits for
 * its turn its run stays in the queue, scored at the turn, and the run's later changes wait with it: a run holds at
 * most one turn however often it changes. A change stored while the run renders finds it in the queue and asks for
 * nothing; the render's end sees the run still behind and queues it again at once.
 *
 * A run's first message goes ahead of the line, since its replies, alerts and buttons all wait for it; so does a
 * message that has trailed its run for longer than `messageLagBoundMs`: a render waiting in the line is woken by
 * then and books a turn ahead of it. That bounds how long a message can stay behind however long the channel's
 * line of thread replies is.
 */
export function createRunRenderer(options: ProcessRenderOptions): RunRenderer {
  const { store, logger } = options;
  const pacer = createChannelPacer(options.redis, options.keyPrefix, options.channelSpacingMs);
  const messageLagBoundMs = options.messageLagBoundMs ?? MESSAGE_LAG_BOUND_MS;
  /** Failures in a row per run, for the back-off; forgotten once the run renders. */
  const failures = new Map<string, number>();

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
      return { ts: await options.notifier.post(run), adopted: false };
    } catch (err) {
      // A 429 is Slack's answer that nothing was posted: with no earlier attempt there is nothing to search for.
      if (firstAttempt && retryAfterOf(err) !== undefined) await options.redis.del(markKey);
      throw err;
    }
  };

  const findEarlierPost = async (run: Run, sinceMs: number): Promise<string | undefined> => {
    try {
      return await options.notifier.findPosted(run, sinceMs);
    } catch (err) {
      if (!isFlightdeckError(err) || err.retryable) throw err;
      logger.warn(
        { run: run.id, err: err.message },
        'cannot search the channel for an earlier post of the run message (grant channels:history/groups:history and invite the app); posting again',
      );
      return undefined;
    }
  };

  /**
   * Shows the run as read in its message (`shown`: the digest of what that sends, RunNotifier.shownDigest); resolves
   * to the seq the message is recorded to show now.
   */
  const write = async ({ run, readAt }: RenderRead, shown: string, owner: string): Promise<number> => {
    let renderedSeq = run.seq;
    if (run.messageTs) {
      await store.renders.forgetShown(run.id);
      await options.notifier.update(run, run.messageTs);
    } else {
      const { ts, adopted } = await firstMessage(run);
      const stored = await store.setMessageTs(run.id, ts);
      // An adopted message shows the run as it was when first posted.
      if (adopted) await options.notifier.update(run, ts);
      // Recording the ts is itself a change; count it as rendered only if nothing else changed meanwhile.
      if (stored.seq === run.seq + 1) renderedSeq = stored.seq;
    }
    const recorded = await store.renders.setRenderedSeq(run.id, renderedSeq, readAt, owner, shown);
    if (recorded === undefined) throw new RenderLockLapsedError(run.id);
    logger.debug({ run: run.id, seq: run.seq }, 'run message rendered');
    return recorded;
  };

  /**
   * Records the run as shown when its message already shows what it would be edited to: the changes since are
   * ones the message does not show (its own ts, the commit the version was built from), so an edit
   * would change nothing people see; no Slack call, no turn in the channel. True when so recorded.
   */
  const alreadyShown = async ({ run, readAt, shown }: RenderRead, digest: string, owner: string): Promise<boolean> => {
    if (!run.messageTs || shown !== digest) return false;
    if ((await store.renders.setRenderedSeq(run.id, run.seq, readAt, owner, digest)) === undefined) throw new RenderLockLapsedError(run.id);
    logger.debug({ run: run.id, seq: run.seq }, 'run message already shows the run');
    return true;
  };

  /** Renders the run under its lock; undefined when done, else when to come back and the mark to leave meanwhile. */
  const renderHeld = async (runId: string, owner: string): Promise<RenderAgain | undefined> => {
    const read = await store.renders.readForRender(runId);
    if (!read || read.run.seq <= read.rendered) return undefined;
    // Rendered once here, for both the comparison and the record of the write below.
    const digest = options.notifier.shownDigest(read.run);
    if (await alreadyShown(read, digest, owner)) {
      await wakeJobs(options.queues, await store.renders.takeMessageWaiters(runId, true), logger);
      return undefined;
    }
    const { run, waiting } = read;
    const lagMs = read.dueSince === undefined ? 0 : read.readAt - read.dueSince;
    const overdue = lagMs > messageLagBoundMs;
    // A render that waited for a turn ahead of the line keeps it; an overdue one in the line leaves its turn there.
    const aheadTurn = waiting?.startsWith('ahead:') ? waiting.slice('ahead:'.length) : undefined;
    const ahead = aheadTurn !== undefined || !run.messageTs || overdue;
    const turn = aheadTurn ?? (overdue && run.messageTs ? `late:${runId}` : runId);
    if (overdue && aheadTurn === undefined) logger.warn({ run: run.id, seq: run.seq, rendered: read.rendered, lagMs }, 'run message behind its run past the bound: rendering ahead of the line');
    const holder = { queueName: RENDER_TURNS, id: turn, name: RENDER_TURNS };
    const waitFor = (afterMs: number): RenderAgain => ({ afterMs, waiting: ahead ? `ahead:${turn}` : turn });
    const wait = await pacer.book(run.channel, holder, { ahead });
    // In the line, woken when the message passes its bound at the latest, to go ahead of the line from then.
    if (wait > 0) return waitFor(ahead ? wait : Math.min(wait, Math.max(1, messageLagBoundMs - lagMs + 1)));
    try {
      const recorded = await write(read, digest, owner);
      // The first seq recorded for the message: the replies asleep until it exists may go now; and once it shows the
      // run as read, the summary asleep until it does (one woken while the run changed on looks again and sleeps).
      const shown = recorded >= run.seq;
      if (read.rendered === 0 || shown) await wakeJobs(options.queues, await store.renders.takeMessageWaiters(runId, shown), logger);
      return undefined;
    } catch (err) {
      const retryAfterMs = retryAfterOf(err);
      if (retryAfterMs === undefined) throw err;
      return waitFor(await pacer.book(run.channel, holder, { notBeforeMs: retryAfterMs }));
    }
  };

  /** When a render that failed runs again: at once after a lapsed lock, later the more often it failed. */
  const afterFailure = (runId: string, err: unknown): RenderAgain => {
    if (err instanceof RenderLockLapsedError) return { afterMs: 0 };
    const failed = (failures.get(runId) ?? 0) + 1;
    failures.set(runId, failed);
    if (isFlightdeckError(err) && !err.retryable) {
      logger.error({ err, run: runId, failed }, 'Slack refused the run message; trying again in a minute');
      return { afterMs: REFUSED_RETRY_MS };
    }
    const afterMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failed - 1));
    logger.warn({ err, run: runId, failed, retryInMs: afterMs }, 'run message render failed; trying again');
    return { afterMs };
  };

  return async (runId) => {
    const owner = randomUUID();
    if (!(await store.renders.holdRenderLock(runId, owner, RENDER_LOCK_MS, RENDER_LEASE_MS))) {
      await store.renders.finishRender(runId, owner, { afterMs: LOCK_RETRY_MS });
      return LOCK_RETRY_MS;
    }
    const renewal = setInterval(() => {
      store.renders.holdRenderLock(runId, owner, RENDER_LOCK_MS, RENDER_LEASE_MS).catch((err: unknown) => logger.warn({ err, run: runId }, 'could not renew the render lock'));
    }, RENDER_LOCK_RENEW_MS);
    let again: RenderAgain | undefined;
    try {
      again = await renderHeld(runId, owner);
      failures.delete(runId);
    } catch (err) {
      again = afterFailure(runId, err);
    } finally {
      clearInterval(renewal);
    }
    const dueNow = await store.renders.finishRender(runId, owner, again);
    return again?.afterMs ?? (dueNow ? 0 : undefined);
  };
}

/**
 * The `render` jobs an older flightdeck queued on the notify queue (during a rolling upgrade): each asks the
 * render queue for its run instead, `late` as it was asked.
 */
export function createRenderJobProcessor(store: RunStore) {
  return async (job: Job): Promise<void> => {
    const { runId, late } = renderJobSchema.parse(job.data);
    await store.renders.askRender(runId, late === true);
  };
}
