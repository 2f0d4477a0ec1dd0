import type { RedisClient } from './create-redis.js';
import type { Run } from '../core/run-schema.js';
import { evalScript } from './eval-script.js';
import { parseRun } from './parse-run.js';
import { RAISE_SEQ_SCRIPT } from './raise-seq-script.js';
import {
  ADOPT_LEGACY_RENDER_DUE_SCRIPT,
  ASK_RENDER_SCRIPT,
  AWAIT_MESSAGE_SCRIPT,
  AWAIT_SHOWN_SCRIPT,
  CLAIM_RENDERS_SCRIPT,
  FINISH_RENDER_SCRIPT,
  HOLD_RENDER_SCRIPT,
  MESSAGE_LAG_SCRIPT,
  TAKE_WAITERS_SCRIPT,
} from './render-scripts.js';

/** The digest in a `shown` field (`<seq>:<digest>`, see RAISE_SEQ_SCRIPT) when its seq is `rendered`. */
function shownAt(field: string | null, rendered: number): string | undefined {
  const colon = field?.indexOf(':') ?? -1;
  if (field === null || colon < 0) return undefined;
  return Number(field.slice(0, colon)) === rendered ? field.slice(colon + 1) : undefined;
}

/** How long a run's message waiters are kept: far longer than any of them sleeps. */
const WAITERS_TTL_MS = 60 * 60 * 1000;
import type { RunKeys } from './run-keys.js';

/** A run as a render reads it: see {@link RenderIndex.readForRender}. */
export interface RenderRead {
  run: Run;
  /** The seq the run's message shows; 0 before its first post. */
  rendered: number;
  /**
   * The digest of what the message shows (RunNotifier.shownDigest), as the write that showed `rendered` recorded
   * it; undefined when not known (no write recorded one, or `rendered` was moved since by something else).
   */
  shown: string | undefined;
  /** Redis ms since which a change has been waiting to be shown; undefined when the message is current. */
  dueSince: number | undefined;
  /** Redis's clock when the run was read, ms. */
  readAt: number;
  /** The mark the run's render left while it waited for its turn (RenderAgain.waiting); undefined when none. */
  waiting: string | undefined;
}

/** What a render asks of the render queue when it ends: see {@link RenderIndex.finishRender}. */
export interface RenderAgain {
  /** How long until the run's render runs again, ms. */
  afterMs: number;
  /** The render-waiting mark to leave meanwhile (`<turn>`, or `ahead:<turn>`); absent, the mark stays as it is. */
  waiting?: string;
}

/**
 * The bookkeeping that keeps each run's Slack message converging to its run: the seq the message shows
 * (the `rendered` field beside the run's `seq`), the render-due index dated by the first change not shown,
 * the render queue (runs whose render may run, scored by when), and the per-run render lock. Every write of a
 * run marks it due and queues its render in the same script (see update-run-script and mark-render-due-lua).
 */
export class RenderIndex {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RunKeys,
  ) {}

  /** The highest run seq the notifier has rendered into Slack; 0 when none. */
  async getRenderedSeq(id: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.run(id), 'rendered')) ?? 0);
  }

  /**
   * Reads a run for rendering, in one round trip: the document, the seq its message shows and the digest of
   * what it shows, since when (Redis ms) a change has been waiting to be shown (undefined when none is), the mark
   * its render left while it waited for a turn, and Redis's clock at the read.
   */
  async readForRender(id: string): Promise<RenderRead | null> {
    const pipeline = this.redis.pipeline().time().hmget(this.keys.run(id), 'doc', 'rendered', 'shown').zscore(this.keys.renderDue, id).get(this.keys.renderWaiting(id));
    const replies = (await pipeline.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const [seconds, micros] = replies[0]![1] as [string, string];
    const [doc, rendered, shown] = replies[1]![1] as [string | null, string | null, string | null];
    const dueSince = replies[2]![1] as string | null;
    const waiting = replies[3]![1] as string | null;
    if (doc === null) return null;
    return {
      run: parseRun(doc),
      rendered: Number(rendered ?? 0),
      shown: shownAt(shown, Number(rendered ?? 0)),
      dueSince: dueSince === null ? undefined : Number(dueSince),
      readAt: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000),
      waiting: waiting ?? undefined,
    };
  }

  /**
   * Records that the run's message shows `seq` (never lowering it), and `shown` (the digest of what it shows
   * now; without it, that is not known), read at `readAt` (Redis ms, from {@link readForRender}), while the
   * render lock `renderLock(id)` is held by `owner`. Returns the seq recorded, or undefined when the lock no
   * longer names `owner`: another render may have written since, so nothing is recorded and the caller must
   * render again.
   */
  async setRenderedSeq(id: string, seq: number, readAt: number, owner: string, shown?: string): Promise<number | undefined> {
    const keys = [this.keys.run(id), this.keys.renderDue, this.keys.renderLock(id)];
    const stored = Number(await evalScript(this.redis, RAISE_SEQ_SCRIPT, keys, [seq, id, readAt, owner, shown ?? '']));
    return stored < 0 ? undefined : stored;
  }

  /**
   * Forgets what the run's message is recorded to show, right before a write that changes it: should the writer
   * die before recording the write, the next render must not take the message for what it showed before.
   */
  async forgetShown(id: string): Promise<void> {
    await this.redis.hdel(this.keys.run(id), 'shown');
  }

  /**
   * Takes the lock one run's renders share for `ttlMs`, or renews it when `owner` holds it already, and keeps the
   * run's claim in the render queue `leaseMs` on (never earlier; a run not in the queue stays out of it). False when
   * another render holds the lock.
   */
  async holdRenderLock(id: string, owner: string, ttlMs: number, leaseMs = ttlMs): Promise<boolean> {
    return (await evalScript(this.redis, HOLD_RENDER_SCRIPT, [this.keys.renderLock(id), this.keys.renderQueue], [owner, ttlMs, leaseMs, id])) === 1;
  }

  /** Whether a render holds the run's render lock. */
  async renderLockHeld(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.renderLock(id))) === 1;
  }

  /**
   * Claims at most `max` runs whose render is due, for `leaseMs` (renewed by {@link holdRenderLock}, ended by
   * {@link finishRender}); `waitedMs`: how long each waited past the moment it was due; `nextInMs`: how long until
   * the earliest run left in the queue is due, undefined when none is.
   */
  async claimRenders(max: number, leaseMs: number): Promise<{ ids: string[]; waitedMs: number[]; nextInMs: number | undefined }> {
    const [ids, waitedMs, next] = (await evalScript(this.redis, CLAIM_RENDERS_SCRIPT, [this.keys.renderQueue], [max, leaseMs])) as [string[], number[], number];
    return { ids, waitedMs, nextInMs: next < 0 ? undefined : next };
  }

  /**
   * Ends a render's claim on the run and gives back the render lock if `owner` holds it: with `again`, the run's
   * render runs again after `again.afterMs` (a turn in the channel, a lock held by another render, Slack's
   * Retry-After); without, the run leaves the render queue unless a change came while it rendered. True when the
   * run is due again at once.
   */
  async finishRender(id: string, owner: string, again?: RenderAgain): Promise<boolean> {
    const keys = [this.keys.run(id), this.keys.renderQueue, this.keys.renderDue, this.keys.renderLock(id), this.keys.renderWaiting(id)];
    const args = [id, owner, again === undefined ? '' : Math.max(0, Math.ceil(again.afterMs)), again?.waiting ?? ''];
    return (await evalScript(this.redis, FINISH_RENDER_SCRIPT, keys, args)) === 1;
  }

  /**
   * Asks for a render of the run: it joins the render queue, due now, unless it is in it already (its render is
   * under way, or waits for a turn and reads the run then); `late` (its message trailed it past the lag bound) also
   * brings a render waiting for a later moment forward to now. Wakes the workers when the queue changed.
   */
  async askRender(id: string, late = false): Promise<void> {
    await evalScript(this.redis, ASK_RENDER_SCRIPT, [this.keys.renderQueue], [id, late ? '1' : '0']);
  }

  /** The channel a run joining the render queue is published on, to wake the workers (mark-render-due-lua.ts). */
  get wakeChannel(): string {
    return this.keys.renderQueue;
  }

  /** The render-waiting mark a render leaves while it waits for its turn (RenderAgain.waiting), null when none does. */
  async waitingMark(id: string): Promise<string | null> {
    return this.redis.get(this.keys.renderWaiting(id));
  }

  /**
   * Counts `waiter` (`<queue>:<job id>`) among the jobs that sleep until the run's message is posted, unless it
   * is already: true when a render has recorded the message (the waiter need not sleep).
   */
  async awaitMessage(id: string, waiter: string): Promise<boolean> {
    return Number(await evalScript(this.redis, AWAIT_MESSAGE_SCRIPT, [this.keys.run(id), this.keys.messageWaiters(id)], [waiter, WAITERS_TTL_MS])) > 0;
  }

  /** Whether the run's message shows the run: it is not render-due. */
  async isShown(id: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys.renderDue, id)) === null;
  }

  /**
   * True when the run's message shows the run (it is not render-due); else counts `waiter` among the jobs that sleep
   * until it does, apart from those that wait only for the message to be posted, and says false.
   */
  async awaitShown(id: string, waiter: string): Promise<boolean> {
    return Number(await evalScript(this.redis, AWAIT_SHOWN_SCRIPT, [this.keys.renderDue, this.keys.shownWaiters(id)], [waiter, WAITERS_TTL_MS, id])) > 0;
  }

  /**
   * The jobs asleep until the run's message is posted (see {@link awaitMessage}) and, when `shown` (the message shows
   * the run), those asleep until it shows it ({@link awaitShown}); forgotten once returned.
   */
  async takeMessageWaiters(id: string, shown: boolean): Promise<string[]> {
    const keys = shown ? [this.keys.messageWaiters(id), this.keys.shownWaiters(id)] : [this.keys.messageWaiters(id)];
    return (await evalScript(this.redis, TAKE_WAITERS_SCRIPT, keys, [])) as string[];
  }


  /**
   * Runs whose latest change is not shown in Slack yet, active or finished, oldest change first, each with
   * since when (Redis ms) it has been waiting; `now` is Redis's clock at the read.
   */
  async renderDue(): Promise<{ now: number; due: Array<{ id: string; since: number }> }> {
    const replies = (await this.redis.pipeline().time().zrange(this.keys.renderDue, '0', '-1', 'WITHSCORES').exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const [seconds, micros] = replies[0]![1] as [string, string];
    const flat = replies[1]![1] as string[];
    const due: Array<{ id: string; since: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) due.push({ id: flat[i]!, since: Number(flat[i + 1]) });
    return { now: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000), due };
  }

  /** How long (ms, Redis's clock) the run's message has trailed its run now; undefined when it shows it. */
  async lagOf(id: string): Promise<number | undefined> {
    const replies = (await this.redis.pipeline().time().zscore(this.keys.renderDue, id).exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const [seconds, micros] = replies[0]![1] as [string, string];
    const since = replies[1]![1] as string | null;
    return since === null ? undefined : Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - Number(since);
  }

  /** How many messages trail their run for longer than `boundMs`, and how long the furthest behind has. */
  async messageLag(boundMs: number): Promise<{ stale: number; oldestMs: number }> {
    const [stale, oldestMs] = (await evalScript(this.redis, MESSAGE_LAG_SCRIPT, [this.keys.renderDue], [boundMs])) as [number, number];
    return { stale, oldestMs };
  }

  /** Forgets a render-due mark for a run that no longer exists. */
  async dropRenderDue(id: string): Promise<void> {
    await this.redis.zrem(this.keys.renderDue, id);
  }

  /**
   * Moves the render-due runs an older flightdeck kept in an unscored set into the scored index, dated now
   * (how long they had waited is not known). Returns how many moved; 0 once done.
   */
  async adoptLegacyRenderDue(): Promise<number> {
    return Number(await evalScript(this.redis, ADOPT_LEGACY_RENDER_DUE_SCRIPT, [this.keys.legacyRenderDue, this.keys.renderDue], []));
  }
}
