import type { RedisClient } from '../../run/store/create-redis.js';
import type { Logger } from '../../observability/create-logger.js';
import { changedCluster } from '../../run/core/run-draft.js';
import { watchOpen } from '../../run/core/guard-watch.js';
import { isHeld } from '../../run/core/transition-hold.js';
import type { Effect } from '../../run/core/run-event.js';
import { isTerminal, type Run, type RunItem } from '../../run/core/run-schema.js';
import type { RunStore } from '../../run/store/run-store.js';
import { finishRollback } from './finish-rollback.js';
import { MESSAGE_LAG_BOUND_MS, renderInHand } from '../notify/process-render.js';
import type { RunEngine } from './run-engine.js';
import { redeliverCommitted } from './redeliver-committed.js';
import { createReplyOrder } from '../notify/reply-order.js';

export interface ReconcileOptions {
  /** The connection and braced key prefix the render processor keeps its hand-off marks under. */
  redis: RedisClient;
  keyPrefix: string;
  /** How long a message may trail its run before it is rendered again, ahead of its channel's line. Default 15 s. */
  messageLagBoundMs?: number;
  /** The audit channel an emergency run of an environment is announced in; absent: none is. */
  auditChannelOf?: ((environment: string) => string | undefined) | undefined;
  /** How soon a run with work in motion (a running step or check, guards, a rollback) is looked at again, ms. Default 10 s. */
  recheckMs?: number;
  /** The most active runs one pass reads; the rest stay due for the next pass. Default 1,000. */
  maxPerPass?: number;
  /** How long after its write a job still in a run's outbox is taken for lost. Default 5 s (OUTBOX_GRACE_MS). */
  outboxGraceMs?: number;
}

/**
 * A deploy that ended `failed` after changing the cluster, or whose day-after watch ended on a rollback
 * guard's breach, and has no rollback yet: its request may be lost.
 */
function needsRollback(run: Run): boolean {
  if (run.kind !== 'deploy' || run.rollbackRunId !== undefined || isHeld(run)) return false;
  if (run.state === 'succeeded') return run.watch?.end?.kind === 'breached';
  return run.state === 'failed' && changedCluster(run);
}

/** Due runs read per round trip; a pass reads rounds until none is left due or {@link ReconcileOptions.maxPerPass}. */
const DUE_BATCH = 100;

/**
 * Re-enqueues whatever runs still need: a running step whose job is gone, a message behind its run
 * (including runs that have just finished; past the lag bound, one render that goes ahead of the line), the
 * audit channel's announcement of an emergency run not posted yet, a rollback request of a failed run (not of one held: see process-hold.ts), and the report of a
 * rollback run that ended to the run it undid, and the thread replies and alerts a write kept in its outbox
 * that its writer never enqueued (redeliver-committed.ts). Enqueues use deterministic job ids, so work that is already
 * queued or active collapses; renders are asked for `again` (see RenderAsk): none while a render queued by the
 * engine has not read the run yet. This is what makes "commit, then enqueue" safe when a process dies between.
 *
 * Active runs are read only when due (the run store's reconcile-due index): after each write, and again
 * every `recheckMs` while something of theirs is in motion, so a pass costs what is due, not every active run.
 */
export async function reconcileRuns(store: RunStore, engine: RunEngine, logger: Logger, options: ReconcileOptions): Promise<number> {
  const { redis, keyPrefix } = options;
  const messageLagBoundMs = options.messageLagBoundMs ?? MESSAGE_LAG_BOUND_MS;
  const order = createReplyOrder(redis, keyPrefix);
  let enqueued = (await redeliverCommitted({ store, engine, order, logger }, options.outboxGraceMs)) + (await reconcileDueRuns(store, engine, logger, options));
  let stale = 0;
  const { now, due } = await store.renders.renderDue();
  for (const { id, since } of due) {
    const run = await store.get(id);
    if (!run) {
      await store.renders.dropRenderDue(id);
      continue;
    }
    // An emergency's announcement is queued right after the run is recorded; a process that died in between
    // lost it with the run's first render. Until the message is posted, ask again: the job id collapses with
    // one still queued, and the announcement's post claim stops a second post.
    const auditChannel = run.emergency && run.messageTs === undefined ? options.auditChannelOf?.(run.environment) : undefined;
    if (auditChannel !== undefined) await engine.announceEmergency(run, auditChannel);
    // Follow-ups are scheduled by the same commit that ends the run; their delayed job ids collapse with
    // ones already waiting, so asking again for every follow-up not yet due loses none and doubles none.
    // The day-after watch is begun by that commit too: its end job and its guards' scheduler likewise.
    const followUps = [...scheduledFollowUps(run), ...openWatch(run)];
    // The effect was lost with the process that committed the failure (it commits before it enqueues).
    if (needsRollback(run)) {
      // Only a rollback run's reason says what it undoes; a deploy's is why it ended.
      const reason = run.state === 'succeeded' ? 'a guard breached after the run succeeded' : run.reason === undefined || (typeof run.reason === 'object' && run.reason.kind === 'undoes') ? 'failed' : run.reason;
      await engine.dispatch(run, [{ type: 'request-rollback', reason }, ...followUps], 'again');
      enqueued += 1;
    } else if (isHeld(run)) {
      // Same for a held run's hold, which acts once (process-hold.ts), and its summary.
      await engine.dispatch(run, [{ type: 'hold' }, ...(run.summaryPosted ? [] : [{ type: 'summary' as const }]), ...followUps], 'again');
      enqueued += 1;
    } else if (awaitsSummary(run)) {
      // Same for the summary of a run that ended; the job id collapses with one still queued, and it renders too.
      await engine.dispatch(run, [{ type: 'summary' }, ...followUps], 'again');
      enqueued += 1;
    } else if (run.seq > (await store.renders.getRenderedSeq(id))) {
      // A run already in the render queue (its render under way, or waiting for its turn) stays as it is there.
      await engine.dispatch(run, followUps, 'again');
      enqueued += 1;
    }
    // Whatever became of the render that should have shown it (a dead worker's, one behind a long line),
    // a message behind past the bound has its render brought forward, to go ahead of the channel's line —
    // unless a live render holds it or is already going ahead: it would only queue behind it. The pass's
    // first read may be seconds old by now: judged again, a message shown meanwhile gets no render ahead of the
    // line for a change made since (an edit that would push the channel's other messages back).
    const lagMs = now - since > messageLagBoundMs ? await store.renders.lagOf(id) : undefined;
    if (lagMs !== undefined && lagMs > messageLagBoundMs && !(await renderInHand(store, run.id))) {
      logger.warn({ run: run.id, seq: run.seq, lagMs }, 'run message behind its run past the bound; rendering it again');
      await engine.enqueueRender(run, 'late');
      stale += 1;
    }
  }
  if (enqueued > 0) logger.debug({ enqueued, stale }, 'reconciled runs');
  return enqueued + stale;
}

/**
 * The active runs due in the reconcile-due index: asks again for what a dead writer may not have enqueued,
 * then re-scores each run to `recheckMs` on while it has work in motion, or drops it until its next write.
 */
async function reconcileDueRuns(store: RunStore, engine: RunEngine, logger: Logger, options: ReconcileOptions): Promise<number> {
  const recheckMs = options.recheckMs ?? 10_000;
  const maxPerPass = options.maxPerPass ?? 1000;
  let enqueued = 0;
  for (let read = 0; read < maxPerPass; ) {
    const { now, runs, gone } = await store.reconciles.due(Math.min(DUE_BATCH, maxPerPass - read));
    for (const id of gone) await store.reconciles.settle(id, undefined, undefined);
    for (const run of runs) {
      enqueued += await reconcileActiveRun(store, engine, logger, run);
      await store.reconciles.settle(run.id, run.seq, inMotion(run) ? now + recheckMs : undefined);
    }
    read += runs.length + gone.length;
    if (runs.length + gone.length < DUE_BATCH) break;
  }
  return enqueued;
}

/** Asks again for the work of one active run a dead process may have committed and never enqueued; returns jobs asked for. */
async function reconcileActiveRun(store: RunStore, engine: RunEngine, logger: Logger, run: Run): Promise<number> {
  if (isTerminal(run.state)) return 0;
  // The guards' scheduler lives in Redis, but a crash between committing `start-guards` and enqueueing it
  // would leave a rollout unwatched; guards-start is idempotent, so asking again is cheap. No render with it:
  // every recheck would queue one, and a message behind its run gets its render from the pass's render-due loop.
  if (guardsWatching(run)) await engine.dispatch(run, [{ type: 'start-guards' }], 'none');
  if (run.state === 'rolling-back' && run.rollbackRunId) {
    const rollback = await store.get(run.rollbackRunId);
    return rollback && (await finishRollback({ store, engine, logger }, rollback)) ? 1 : 0;
  }
  let enqueued = 0;
  for (const item of runningItems(run)) {
    if (item.kind === 'step') await engine.enqueueStep(run, item.id);
    else await engine.enqueueCheck(run, item.id);
    enqueued += 1;
  }
  return enqueued;
}

function guardsWatching(run: Run): boolean {
  return run.guardsStartedAt !== undefined && run.guardsStoppedAt === undefined && run.state !== 'rolling-back';
}

/** The steps and checks a worker should be running now. */
function runningItems(run: Run): RunItem[] {
  return run.phases.flatMap((phase) => phase.items).filter((item) => item.state === 'running' && (item.kind === 'step' || item.kind === 'check'));
}

/**
 * Whether the run has work that can be lost without a write of the run (a job, the guards' scheduler, a
 * rollback run's ending), so the reconciler looks again; a run waiting for a person needs no look until written.
 */
function inMotion(run: Run): boolean {
  if (isTerminal(run.state)) return false;
  return guardsWatching(run) || run.state === 'rolling-back' || runningItems(run).length > 0;
}

/** An ended run still owes its summary; a failed deploy that changed the cluster posts it after its rollback. */
function awaitsSummary(run: Run): boolean {
  if (!isTerminal(run.state) || run.summaryPosted) return false;
  return !(run.state === 'failed' && run.kind === 'deploy' && changedCluster(run));
}

/** The `schedule-phase` effects of follow-up phases that were scheduled but have not come due yet. */
function scheduledFollowUps(run: Run): Effect[] {
  return run.phases.flatMap((phase) =>
    phase.state === 'pending' && phase.dueAt !== undefined ? [{ type: 'schedule-phase' as const, phaseId: phase.id, at: phase.dueAt }] : [],
  );
}

/** The effects that keep an open day-after watch going: its end job and the guards' scheduler (both idempotent). */
function openWatch(run: Run): Effect[] {
  return watchOpen(run) && run.watch ? [{ type: 'schedule-watch-end', at: run.watch.until }, { type: 'start-guards' }] : [];
}
