import type { RunEvent } from './run-event.js';
import { FLIGHTDECK_ACTOR } from './run-event.js';
import type { Run, RunGuard } from './run-schema.js';
import { endWatch } from './guard-watch.js';
import { endRun, record, type NextState, type RunDraft } from './run-draft.js';
import { pauseRun } from './transition-control.js';
import { guardNotFound } from './transition-errors.js';

type GuardEvent<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

function findGuard(run: Run, guardId: string): RunGuard {
  const guard = run.guards.find((candidate) => candidate.id === guardId);
  if (!guard) throw guardNotFound(run, guardId);
  return guard;
}

/**
 * Stores a guard's latest assessment. Changes nothing for the same status, since and reason (on a succeeded
 * run in its watch: the same status and since).
 * Only a change of status is audited: assessments arrive every few seconds.
 */
export function applyGuardAssessed(draft: RunDraft, event: GuardEvent<'guard-assessed'>): NextState {
  const guard = findGuard(draft.run, event.guardId);
  const { status, since, reason } = event.assessment;
  const previous = guard.assessment;
  // During a day-after watch only a new status or episode is stored: the reason carries the latest value, and a
  // day of evaluations must not rewrite (and re-render) a finished run at every tick.
  const sameReason = previous?.reason === reason || draft.run.state === 'succeeded';
  if (previous && previous.status === status && previous.since === since && sameReason) return null;
  guard.assessment = { status, reason, at: draft.now, ...(since === undefined ? {} : { since }) };
  if (status !== 'breached') delete guard.breachedAt;
  if (previous?.status !== status) record(draft, FLIGHTDECK_ACTOR, `guard.${status}`, `${guard.id}: ${reason}`);
  return draft.run.state;
}

/**
 * A guard breached. Recorded once per episode (until an assessment that is not `breached`); then
 * `rollback` fails the run and asks for a rollback, `page` pages and pauses, `notify` only alerts.
 * Changes nothing for a repeated breach of the same episode. On a succeeded run (its day-after watch):
 * the run stays succeeded; `rollback` ends the watch and asks for the rollback, `page` pages (the on-call's
 * Rollback button decides), `notify` only alerts.
 */
export function applyGuardBreached(draft: RunDraft, event: GuardEvent<'guard-breached'>): NextState {
  const { run } = draft;
  const guard = findGuard(run, event.guardId);
  if (guard.breachedAt !== undefined) return null;
  guard.breachedAt = draft.now;
  run.breaches.push({ guardId: guard.id, action: event.action, detail: event.detail, at: draft.now });
  record(draft, FLIGHTDECK_ACTOR, 'guard.breached', `${guard.id} (${event.action}): ${event.detail}`);
  const watch = run.state === 'succeeded' ? { watch: true } : {};
  draft.effects.push({ type: 'thread', note: { kind: 'guard-breached', guardTitle: guard.title, detail: event.detail, action: event.action, ...watch } });
  if (run.state === 'succeeded') return breachWatch(draft, guard, event);
  switch (event.action) {
    case 'rollback':
      return endRun(draft, 'failed', `guard "${guard.title}" breached: ${event.detail}`, FLIGHTDECK_ACTOR);
    case 'page':
      draft.effects.push({ type: 'page', guardId: guard.id, detail: event.detail });
      return pauseRun(draft, FLIGHTDECK_ACTOR, `guard "${guard.title}" breached; the on-call was paged`);
    case 'notify':
      draft.effects.push({ type: 'notify', guardId: guard.id, detail: event.detail });
      return run.state;
  }
}

function breachWatch(draft: RunDraft, guard: RunGuard, event: GuardEvent<'guard-breached'>): NextState {
  switch (event.action) {
    case 'rollback':
      endWatch(draft, { kind: 'breached', guardId: guard.id });
      draft.effects.push({ type: 'request-rollback', reason: `guard "${guard.title}" breached after the run succeeded: ${event.detail}` });
      break;
    case 'page':
      draft.effects.push({ type: 'page', guardId: guard.id, detail: event.detail });
      break;
    case 'notify':
      draft.effects.push({ type: 'notify', guardId: guard.id, detail: event.detail });
      break;
  }
  return draft.run.state;
}
