import { advanceRun } from './advance-run.js';
import { auditEntry } from './audit-entry.js';
import { FLIGHTDECK_ACTOR, type RunEvent, type Transition } from './run-event.js';
import { isTerminal, type AuditEntry, type Run, type RunItem, type RunPhase } from './run-schema.js';
import {
  itemAlreadyDone,
  itemNotFound,
  itemNotPending,
  itemNotStartedYet,
  phaseNotActive,
  runAlreadyStarted,
  runFinished,
  stepNotTickable,
} from './transition-errors.js';

export type { Effect, RunEvent, Transition } from './run-event.js';

/**
 * Applies one event to a run and advances it as far as it goes without people: the whole run lifecycle as
 * a pure function. The input is never mutated; a changed run is a new object with `updatedAt = now` (the
 * store, not this function, bumps `seq`).
 *
 * Step events (`step-*`) for an item that is not running are ignored: the input run comes back as is,
 * with no audit and no effects, so a duplicate job delivery converges. So does a second
 * `rollback-target-recorded`: the first recorded target stays pinned.
 *
 * @param now - the clock, epoch ms.
 * @throws FlightdeckError `run-finished` for any event on a terminal run; `usage` for `start` on a run that
 *   is not pending; `item-not-found`, `item-not-tickable`, `item-already-done` for ticks that cannot apply.
 */
export function transition(run: Run, event: RunEvent, now: number): Transition {
  if (isTerminal(run.state)) throw runFinished(run);

  const draft = structuredClone(run);
  const audit: AuditEntry[] = [];

  switch (event.type) {
    case 'start': {
      if (run.state !== 'pending') throw runAlreadyStarted(run);
      draft.state = 'running';
      audit.push(auditEntry(draft, event.actor, 'run.started', `${run.service} ${run.version} to ${run.environment}`, now));
      break;
    }
    case 'tick': {
      const { item, phase } = locate(draft, event.itemId);
      if (item.kind !== 'manual') throw stepNotTickable(item);
      if (item.state === 'done') throw itemAlreadyDone(item);
      if (item.state !== 'pending') throw itemNotPending(item);
      if (draft.state === 'pending') throw itemNotStartedYet(draft, item);
      if (phase.state !== 'active') throw phaseNotActive(item, phase, draft.phases.find((p) => p.state === 'active'));
      item.state = 'done';
      item.by = event.actor;
      item.at = now;
      audit.push(auditEntry(draft, event.actor, 'item.ticked', `${item.id}: ${item.title}`, now));
      break;
    }
    case 'step-progress': {
      const { item } = locate(draft, event.itemId);
      if (item.state !== 'running' || item.detail === event.detail) return unchanged(run);
      // Progress is display state, not a decision: the final detail is audited when the step ends, and a
      // watch may report many lines per rollout that would only flood the audit stream.
      item.detail = event.detail;
      break;
    }
    case 'step-succeeded': {
      const { item } = locate(draft, event.itemId);
      if (item.state !== 'running') return unchanged(run);
      finishItem(item, 'done', event.detail, now);
      audit.push(auditEntry(draft, FLIGHTDECK_ACTOR, 'step.succeeded', `${item.id}: ${event.detail}`, now));
      break;
    }
    case 'step-failed': {
      const { item, phase } = locate(draft, event.itemId);
      if (item.state !== 'running') return unchanged(run);
      finishItem(item, 'failed', event.reason, now);
      phase.state = 'failed';
      // `failed` means the release is bad; `error` means flightdeck or the infrastructure broke. They stay
      // distinct so nobody blames a release for a 403 from the API server.
      draft.state = event.outcome;
      draft.reason = event.reason;
      draft.endedAt = now;
      audit.push(auditEntry(draft, FLIGHTDECK_ACTOR, 'step.failed', `${item.id}: ${event.reason}`, now));
      audit.push(auditEntry(draft, FLIGHTDECK_ACTOR, `run.${event.outcome}`, event.reason, now));
      break;
    }
    case 'rollback-target-recorded': {
      // Pinned: a retried set-image step re-reads the Deployment after its own patch; replacing the target
      // then would make "rollback" restore the bad release.
      if (run.rollbackTarget) return unchanged(run);
      draft.rollbackTarget = structuredClone(event.target);
      audit.push(
        auditEntry(draft, FLIGHTDECK_ACTOR, 'rollback-target.recorded', `revision ${event.target.revision} (${event.target.image})`, now),
      );
      break;
    }
  }

  const advanced = advanceRun(draft, now);
  draft.updatedAt = now;
  return { run: draft, audit: [...audit, ...advanced.audit], effects: advanced.effects };
}

function unchanged(run: Run): Transition {
  return { run, audit: [], effects: [] };
}

function locate(run: Run, itemId: string): { item: RunItem; phase: RunPhase } {
  for (const phase of run.phases) {
    const item = phase.items.find((candidate) => candidate.id === itemId);
    if (item) return { item, phase };
  }
  throw itemNotFound(run, itemId);
}

function finishItem(item: RunItem, state: 'done' | 'failed', detail: string, now: number): void {
  item.state = state;
  item.by = FLIGHTDECK_ACTOR;
  item.at = now;
  item.detail = detail;
}
