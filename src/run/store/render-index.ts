import type { RedisClient } from './create-redis.js';
import type { Run } from '../core/run-schema.js';
import { evalScript } from './eval-script.js';
import { parseRun } from './parse-run.js';
import { RAISE_SEQ_SCRIPT } from './raise-seq-script.js';
import {
  ADOPT_LEGACY_RENDER_DUE_SCRIPT,
  AWAIT_MESSAGE_SCRIPT,
  HOLD_LOCK_SCRIPT,
  MESSAGE_LAG_SCRIPT,
  RELEASE_LOCK_SCRIPT,
  RELEASE_RENDER_MARKS_SCRIPT,
  RENDER_WANTED_SCRIPT,
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
}

/**
 * The bookkeeping that keeps each run's Slack message converging to its run: the seq the message shows
 * (the `rendered` field beside the run's `seq`), the render-due index dated by the first change not shown,
 * the per-run render lock, and the marks that spare render jobs (see {@link RenderIndex.renderWanted}). Every
 * write of a run marks it due in the same script (see update-run-script).
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
   * what it shows, since when (Redis ms) a change has been waiting to be shown (undefined when none is), and
   * Redis's clock at the read.
   */
  async readForRender(id: string): Promise<RenderRead | null> {
    const replies = (await this.redis.pipeline().time().hmget(this.keys.run(id), 'doc', 'rendered', 'shown').zscore(this.keys.renderDue, id).exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const [seconds, micros] = replies[0]![1] as [string, string];
    const [doc, rendered, shown] = replies[1]![1] as [string | null, string | null, string | null];
    const dueSince = replies[2]![1] as string | null;
    if (doc === null) return null;
    return {
      run: parseRun(doc),
      rendered: Number(rendered ?? 0),
      shown: shownAt(shown, Number(rendered ?? 0)),
      dueSince: dueSince === null ? undefined : Number(dueSince),
      readAt: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000),
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
   * Takes the lock one run's renders share for `ttlMs`, or renews it when `owner` holds it already. False
   * when another render holds it.
   */
  async holdRenderLock(id: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await evalScript(this.redis, HOLD_LOCK_SCRIPT, [this.keys.renderLock(id)], [owner, ttlMs])) === 1;
  }

  /** Whether a render holds the run's render lock. */
  async renderLockHeld(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.renderLock(id))) === 1;
  }

  /**
   * Whether a render job of the run is worth queueing, in one round trip: not while a render sleeps for a turn
   * ahead of the channel's line, nor in the line while the run's oldest change not shown is at most `lagBoundMs`
   * old, nor while a marked render job is queued and has not read the run; each reads it after this check, so
   * it shows every change written before. Past the bound a render waiting in the line no longer stands for the
   * new one, which goes ahead of the line (process-render.ts). Given `mark` (the job about to be queued) and
   * the answer yes, marks that job queued for `ttlMs`. Without it, only looks, and says no while a render holds
   * the run's lock too: for a caller that asks again each pass (the reconciler), a render under way may be the
   * one it would ask for, and a job queued behind it would most often find nothing left to do.
   */
  async renderWanted(id: string, lagBoundMs: number, mark?: { jobId: string; ttlMs: number }): Promise<boolean> {
    const keys = [this.keys.renderWaiting(id), this.keys.renderQueued(id), this.keys.renderLock(id), this.keys.renderDue];
    return (await evalScript(this.redis, RENDER_WANTED_SCRIPT, keys, [mark?.jobId ?? '', mark?.ttlMs ?? 0, id, lagBoundMs])) === 1;
  }

  /**
   * Gives up render job `jobId`'s marks just before it reads the run: its own hand-off mark, and the run's
   * queued mark when it names the job or, for a `late` render, whatever it names (see RELEASE_RENDER_MARKS_SCRIPT).
   */
  async releaseRenderMarks(id: string, jobId: string, late: boolean): Promise<void> {
    await evalScript(this.redis, RELEASE_RENDER_MARKS_SCRIPT, [this.keys.renderWaiting(id), this.keys.renderQueued(id)], [jobId, late ? '1' : '0']);
  }

  /**
   * Whether a render of the run sleeps for its turn, in its channel's line or ahead of it. It reads the run
   * only when it wakes, after giving up this mark, so it shows every change written before the mark was seen here.
   */
  async renderWaiting(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.renderWaiting(id))) === 1;
  }

  /**
   * Counts `waiter` (`<queue>:<job id>`) among the jobs that sleep until the run's message is posted, unless it
   * is already: true when a render has recorded the message (the waiter need not sleep).
   */
  async awaitMessage(id: string, waiter: string): Promise<boolean> {
    return Number(await evalScript(this.redis, AWAIT_MESSAGE_SCRIPT, [this.keys.run(id), this.keys.messageWaiters(id)], [waiter, WAITERS_TTL_MS])) > 0;
  }

  /** The jobs asleep until the run's message is posted (see {@link awaitMessage}), forgotten once returned. */
  async takeMessageWaiters(id: string): Promise<string[]> {
    return (await evalScript(this.redis, TAKE_WAITERS_SCRIPT, [this.keys.messageWaiters(id)], [])) as string[];
  }

  /** Releases the render lock if `owner` still holds it. */
  async releaseRenderLock(id: string, owner: string): Promise<void> {
    await evalScript(this.redis, RELEASE_LOCK_SCRIPT, [this.keys.renderLock(id)], [owner]);
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
