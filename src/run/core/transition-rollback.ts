import type { RunEvent } from './run-event.js';
import { FLIGHTDECK_ACTOR } from './run-event.js';
import { endWatch } from './guard-watch.js';
import { plainRunReason } from './run-reason.js';
import { isTerminal } from './run-schema.js';
import { interrupt, isFollowUp, record, requestSummary, somethingToRollBack, stopGuards, type NextState, type RunDraft } from './run-draft.js';
import { alreadyRollingBack, noRollbackInProgress, notFollowUp, nothingToRollBack, phaseNotFound, rollbackOfRollback } from './transition-errors.js';

type RollbackEvent<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/**
 * A rollback run now undoes this run. A run still in flight is interrupted first (its steps stop, its
 * guards stop); open follow-ups are skipped. Changes nothing when this very rollback was already recorded.
 */
export function applyRollbackStarted(draft: RunDraft, event: RollbackEvent<'rollback-started'>): NextState {
  const { run } = draft;
  if (run.kind === 'rollback') throw rollbackOfRollback(run);
  if (run.state === 'rolling-back' && run.rollbackRunId === event.rollbackRunId) return null;
  if (run.state === 'rolling-back' || run.state === 'rolled-back') throw alreadyRollingBack(run);
  if (run.state === 'aborted' || !somethingToRollBack(run)) throw nothingToRollBack(run);
  if (!isTerminal(run.state)) {
    const reason = { kind: 'rollback-requested' as const, by: event.actor };
    interrupt(draft, reason);
    run.reason = reason;
    run.endedAt = draft.now;
  }
  stopGuards(draft);
  endWatch(draft, { kind: 'rolled-back' });
  for (const phase of run.phases) if (isFollowUp(phase) && (phase.state === 'pending' || phase.state === 'active')) phase.state = 'skipped';
  run.rollbackRunId = event.rollbackRunId;
  record(draft, event.actor, 'rollback.started', `run ${event.rollbackRunId}`);
  draft.effects.push({ type: 'thread', note: { kind: 'rollback-started', rollbackRunId: event.rollbackRunId, actor: event.actor } });
  return 'rolling-back';
}

/**
 * The rollback ended: `rolled-back` or `rollback-failed`. A failed run whose rollback could not even be
 * started takes `ok: false` directly. Changes nothing for a repeated report.
 */
export function applyRollbackFinished(draft: RunDraft, event: RollbackEvent<'rollback-finished'>): NextState {
  const { run } = draft;
  if (run.state === 'rolled-back' || run.state === 'rollback-failed') return null;
  const couldNotStart = run.state === 'failed' && !event.ok;
  if (run.state !== 'rolling-back' && !couldNotStart) throw noRollbackInProgress(run);
  const next = event.ok ? 'rolled-back' : 'rollback-failed';
  run.endedAt = draft.now;
  record(draft, FLIGHTDECK_ACTOR, `run.${next}`, event.reason ? `${event.detail}: ${plainRunReason(event.reason)}` : event.detail);
  const reason = event.reason ? { reason: event.reason } : {};
  draft.effects.push({ type: 'thread', note: { kind: 'rollback-finished', ok: event.ok, detail: event.detail, ...reason } });
  requestSummary(draft);
  return next;
}

/**
 * A follow-up phase's time has come: it opens on the succeeded run (its checks start). Changes nothing when it is open already, or the run did not stay succeeded (rolled back since):
 * follow-ups then lapse.
 */
export function applyPhaseDue(draft: RunDraft, event: RollbackEvent<'phase-due'>): NextState {
  const { run } = draft;
  const phase = run.phases.find((candidate) => candidate.id === event.phaseId);
  if (!phase) throw phaseNotFound(run, event.phaseId);
  if (!isFollowUp(phase)) throw notFollowUp(phase);
  if (run.state !== 'succeeded' || phase.state !== 'pending') return null;
  phase.state = 'active';
  record(draft, FLIGHTDECK_ACTOR, 'phase.due', `${phase.id}: ${phase.title}`);
  draft.effects.push({ type: 'thread', note: { kind: 'follow-up-due', runId: run.id, phaseTitle: phase.title, items: phase.items.length } });
  return run.state;
}
