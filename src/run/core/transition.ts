import { advanceRun } from './advance-run.js';
import { FLIGHTDECK_ACTOR, type RunEvent, type Transition } from './run-event.js';
import { isTerminal, type Run } from './run-schema.js';
import { endRun, isFollowUp, itemsOf, locate, record, type RunDraft } from './run-draft.js';
import { applyAbort, applyPause, applyResume, applyStart } from './transition-control.js';
import { runFinished } from './transition-errors.js';
import { applyGuardAssessed, applyGuardBreached } from './transition-guards.js';
import { applyApprove, applyCheckMeasured, applyTick } from './transition-items.js';
import { applyPhaseDue, applyRollbackFinished, applyRollbackStarted } from './transition-rollback.js';

export type { Effect, RunEvent, Transition } from './run-event.js';

/**
 * Applies one event to a run and advances it as far as it goes without people: the whole run lifecycle as
 * a pure function. The input is never mutated; a changed run is a new object with `updatedAt = now` (the
 * store, not this function, bumps `seq`).
 *
 * Idempotent no-ops (the input run comes back as is, no audit, no effects): step and check reports for an
 * item that is not running, a second `rollback-target-recorded` (the first target stays pinned), a repeated
 * breach of the same guard episode, an unchanged assessment, guard events on an ended run, repeated
 * `rollback-started`/`rollback-finished`/`phase-due`/`summary-posted`.
 *
 * An ended run (terminal, or rolling back) accepts only rollback bookkeeping, `phase-due`, `summary-posted`,
 * and people acting on due follow-up phases of a succeeded run.
 *
 * @param now - the clock, epoch ms.
 * @throws FlightdeckError `run-finished` for other events on an ended run; `usage` for control events that
 *   do not apply in the run's state; `forbidden` for a tick or approval without the item's role, or a
 *   self-approval; `item-not-found`, `item-not-tickable`, `item-already-done` for item events that cannot apply.
 */
export function transition(run: Run, event: RunEvent, now: number): Transition {
  const ended = isTerminal(run.state) || run.state === 'rolling-back';
  if (ended && !acceptedWhenEnded(run, event)) {
    if (event.type === 'guard-assessed' || event.type === 'guard-breached') return unchanged(run);
    throw runFinished(run);
  }

  const draft: RunDraft = { run: structuredClone(run), audit: [], effects: [], now };
  if (!apply(draft, event)) return unchanged(run);
  advanceRun(draft);
  draft.run.updatedAt = now;
  return { run: draft.run, audit: draft.audit, effects: draft.effects };
}

function acceptedWhenEnded(run: Run, event: RunEvent): boolean {
  switch (event.type) {
    case 'rollback-started':
    case 'rollback-finished':
    case 'phase-due':
    case 'summary-posted':
      return true;
    case 'tick':
    case 'approve':
    case 'check-measured': {
      if (run.state !== 'succeeded') return false;
      const found = itemsOf(run).find(({ item }) => item.id === event.itemId);
      return found !== undefined && isFollowUp(found.phase);
    }
    default:
      return false;
  }
}

/** Applies the event to the draft; false means "nothing changed". */
function apply(draft: RunDraft, event: RunEvent): boolean {
  const { run, now } = draft;
  switch (event.type) {
    case 'start':
      applyStart(draft, event);
      return true;
    case 'tick':
      applyTick(draft, event);
      return true;
    case 'approve':
      applyApprove(draft, event);
      return true;
    case 'check-measured':
      return applyCheckMeasured(draft, event);
    case 'step-progress': {
      const { item } = locate(run, event.itemId);
      if (item.kind !== 'step' || item.state !== 'running' || item.detail === event.detail) return false;
      // Progress is display state, not a decision: the final detail is audited when the step ends, and a
      // watch may report many lines per rollout that would only flood the audit stream.
      item.detail = event.detail;
      return true;
    }
    case 'step-succeeded': {
      const { item } = locate(run, event.itemId);
      if (item.kind !== 'step' || item.state !== 'running') return false;
      Object.assign(item, { state: 'done', by: FLIGHTDECK_ACTOR, at: now, detail: event.detail });
      record(draft, FLIGHTDECK_ACTOR, 'step.succeeded', `${item.id}: ${event.detail}`);
      return true;
    }
    case 'step-failed': {
      const { item } = locate(run, event.itemId);
      if (item.kind !== 'step' || item.state !== 'running') return false;
      Object.assign(item, { state: 'failed', by: FLIGHTDECK_ACTOR, at: now, detail: event.reason });
      record(draft, FLIGHTDECK_ACTOR, 'step.failed', `${item.id}: ${event.reason}`);
      draft.effects.push({ type: 'thread', note: { kind: 'step-failed', itemTitle: item.title, reason: event.reason } });
      // `failed` means the release is bad; `error` means flightdeck or the infrastructure broke. They stay
      // distinct so nobody blames a release for a 403 from the API server.
      endRun(draft, event.outcome, event.reason, FLIGHTDECK_ACTOR);
      if (event.page) draft.effects.push({ type: 'page-failure', detail: event.reason });
      return true;
    }
    case 'lock-lost': {
      const { item } = locate(run, event.itemId);
      if (item.kind !== 'step' || item.state !== 'running') return false;
      // Another run acts on the target now: this one stops without touching the cluster again.
      const reason = `step "${item.title}" found the lock of ${run.service} in ${run.environment} held by ${event.holder ? `run #${event.holder}` : 'nobody'}, so it changed nothing`;
      endRun(draft, 'aborted', reason, FLIGHTDECK_ACTOR);
      return true;
    }
    case 'rollback-target-recorded': {
      // Pinned: a retried set-image step re-reads the Deployment after its own patch; replacing the target
      // then would make "rollback" restore the bad release.
      if (run.rollbackTarget) return false;
      run.rollbackTarget = structuredClone(event.target);
      record(draft, FLIGHTDECK_ACTOR, 'rollback-target.recorded', `revision ${event.target.revision} (${event.target.image})`);
      return true;
    }
    case 'pause':
      applyPause(draft, event);
      return true;
    case 'resume':
      applyResume(draft, event);
      return true;
    case 'abort':
      applyAbort(draft, event);
      return true;
    case 'guard-assessed':
      return applyGuardAssessed(draft, event);
    case 'guard-breached':
      return applyGuardBreached(draft, event);
    case 'rollback-started':
      return applyRollbackStarted(draft, event);
    case 'rollback-finished':
      return applyRollbackFinished(draft, event);
    case 'phase-due':
      return applyPhaseDue(draft, event);
    case 'summary-posted':
      if (run.summaryPosted) return false;
      run.summaryPosted = true;
      return true;
  }
}

function unchanged(run: Run): Transition {
  return { run, audit: [], effects: [] };
}
