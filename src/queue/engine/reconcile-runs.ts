import type { Redis } from 'ioredis';
import type { Logger } from '../../observability/create-logger.js';
import { changedCluster } from '../../run/core/run-draft.js';
import { isHeld } from '../../run/core/transition-hold.js';
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
}

/** A deploy that ended `failed` after changing the cluster and has no rollback yet: its request may be lost. */
function needsRollback(run: Run): boolean {
  return run.kind === 'deploy' && run.state === 'failed' && run.rollbackRunId === undefined && changedCluster(run) && !isHeld(run);
}

/**
 * Re-enqueues whatever runs still need: a running step whose job is gone, a message behind its run
 * (including runs that have just finished; past the lag bound, one render that goes ahead of the line), a rollback request of a failed run (not of one held: see process-hold.ts), and the report of a
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
    // Follow-ups are scheduled by the same commit that ends the run; their delayed job ids collapse with
    // ones already waiting, so asking again for every follow-up not yet due loses none and doubles none.
    const followUps = scheduledFollowUps(run);
    // The effect was lost with the process that committed the failure (it commits before it enqueues).
    if (needsRollback(run)) {
      // Only a rollback run's reason says what it undoes; a deploy's is why it ended.
      const reason = run.reason === undefined || (typeof run.reason === 'object' && run.reason.kind === 'undoes') ? 'failed' : run.reason;
      await engine.dispatch(run, [{ type: 'request-rollback', reason }, ...followUps]);
      enqueued += 1;
    } else if (isHeld(run)) {
      // Same for a held run's hold, which acts once (process-hold.ts), and its summary.
      await engine.dispatch(run, [{ type: 'hold' }, ...(run.summaryPosted ? [] : [{ type: 'summary' as const }]), ...followUps]);
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
