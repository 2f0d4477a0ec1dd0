import type { Redis } from 'ioredis';
import type { Logger } from '../../observability/create-logger.js';
import { changedCluster } from '../../run/core/run-draft.js';
import { watchOpen } from '../../run/core/guard-watch.js';
import type { Effect } from '../../run/core/run-event.js';
import { isTerminal, type Run } from '../../run/core/run-schema.js';
import type { RunStore } from '../../run/store/run-store.js';
import { finishRollback } from './finish-rollback.js';
import { MESSAGE_LAG_BOUND_MS, renderInHand } from '../notify/process-render.js';
import type { RunEngine } from './run-engine.js';

export interface ReconcileOptions {
  /** The connection and braced key prefix the render processor keeps its hand-off marks under. */
  redis: Redis;
  keyPrefix: string;
  /** How long a message may trail its run before it is rendered again, ahead of its channel's line. Default 15 s. */
  messageLagBoundMs?: number;
  /** The audit channel an emergency run of an environment is announced in; absent: none is. */
  auditChannelOf?: ((environment: string) => string | undefined) | undefined;
}

/**
 * A deploy that ended `failed` after changing the cluster, or whose day-after watch ended on a rollback
 * guard's breach, and has no rollback yet: its request may be lost.
 */
function needsRollback(run: Run): boolean {
  if (run.kind !== 'deploy' || run.rollbackRunId !== undefined) return false;
  if (run.state === 'succeeded') return run.watch?.end?.kind === 'breached';
  return run.state === 'failed' && changedCluster(run);
}

/**
 * Re-enqueues whatever runs still need: a running step whose job is gone, a message behind its run
 * (including runs that have just finished; past the lag bound, one render that goes ahead of the line), the
 * audit channel's announcement of an emergency run not posted yet, a rollback request of a failed run, and the report of a
 * rollback run that ended to the run it undid. Enqueues use deterministic job ids, so work that is already
 * queued or active collapses. This is what makes "commit, then enqueue" safe when a process dies between.
 */
export async function reconcileRuns(store: RunStore, engine: RunEngine, logger: Logger, options: ReconcileOptions): Promise<number> {
  const { redis, keyPrefix } = options;
  const messageLagBoundMs = options.messageLagBoundMs ?? MESSAGE_LAG_BOUND_MS;
  let enqueued = 0;
  let stale = 0;
  for (const run of await store.activeRuns()) {
    // The guards' scheduler lives in Redis, but a crash between committing `start-guards` and enqueueing it
    // would leave a rollout unwatched; guards-start is idempotent, so asking again is cheap.
    if (run.guardsStartedAt !== undefined && run.guardsStoppedAt === undefined && run.state !== 'rolling-back') {
      await engine.dispatch(run, [{ type: 'start-guards' }]);
    }
    if (run.state === 'rolling-back' && run.rollbackRunId) {
      const rollback = await store.get(run.rollbackRunId);
      if (rollback && (await finishRollback({ store, engine, logger }, rollback))) enqueued += 1;
      continue;
    }
    for (const item of run.phases.flatMap((phase) => phase.items)) {
      if (item.state !== 'running') continue;
      if (item.kind === 'step') await engine.enqueueStep(run, item.id);
      else if (item.kind === 'check') await engine.enqueueCheck(run, item.id);
      else continue;
      enqueued += 1;
    }
  }
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
      await engine.dispatch(run, [{ type: 'request-rollback', reason }, ...followUps]);
      enqueued += 1;
    } else if (awaitsSummary(run)) {
      // Same for the summary of a run that ended; the job id collapses with one still queued, and it renders too.
      await engine.dispatch(run, [{ type: 'summary' }, ...followUps]);
      enqueued += 1;
    } else if (run.seq > (await store.renders.getRenderedSeq(id))) {
      await engine.dispatch(run, followUps);
      enqueued += 1;
    }
    // Whatever became of the render that should have shown it (a dead worker's, one behind a long line),
    // a message behind past the bound gets one render of its own that goes ahead of the channel's line —
    // unless a live render holds it or is already going ahead: another would only queue behind it.
    if (now - since > messageLagBoundMs && !(await renderInHand(redis, keyPrefix, store, run.id))) {
      logger.warn({ run: run.id, seq: run.seq, lagMs: now - since }, 'run message behind its run past the bound; rendering it again');
      await engine.enqueueRender(run, true);
      stale += 1;
    }
  }
  if (enqueued > 0) logger.debug({ enqueued, stale }, 'reconciled runs');
  return enqueued + stale;
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
