import { catalogued } from '../../errors/error-catalogue.js';
import { advanceRun } from './advance-run.js';
import { cloneJson } from './clone-json.js';
import type { RunEvent, Transition } from './run-event.js';
import type { Run } from './run-schema.js';
import type { RunDraft } from './run-draft.js';
import { runFinished } from './transition-errors.js';
import { ADVANCE, RUN_TRANSITIONS, takes, type TransitionRule } from './transition-table.js';

export type { Effect, RunEvent, Transition } from './run-event.js';

/**
 * Applies one event to a run and advances it as far as it goes without people: the whole run lifecycle as
 * a pure function, driven by the table in transition-table.ts. The input is never mutated; a changed run
 * is a new object with `updatedAt = now` (the store, not this function, bumps `seq`). This is the one place
 * that sets `run.state`.
 *
 * Idempotent no-ops (the input run comes back as is, no audit, no effects): step and check reports for an
 * item that is not running, a second `rollback-target-recorded` (the first target stays pinned), a repeated
 * breach of the same guard episode, an unchanged assessment, guard events on an ended run, repeated
 * `rollback-started`/`rollback-finished`/`phase-due`/`summary-posted`.
 *
 * @param now - the clock, epoch ms.
 * @throws FlightdeckError `run-finished` for an event an ended run does not take; `usage` for control events
 *   that do not apply in the run's state; `forbidden` for a tick or approval without the item's role, or a
 *   self-approval; `item-not-found`, `item-not-tickable`, `item-already-done` for item events that cannot
 *   apply; `internal` when an event leads outside its row of the table (a bug).
 */
export function transition(run: Run, event: RunEvent, now: number): Transition {
  const rule = RUN_TRANSITIONS[event.type] as TransitionRule<RunEvent>;
  if (!takes(run, event)) {
    if (rule.ignoredWhenEnded) return unchanged(run);
    throw runFinished(run);
  }
  const draft: RunDraft = { run: cloneJson(run), audit: [], effects: [], now };
  const next = rule.apply(draft, event);
  if (next === null) return unchanged(run);
  assertInRow(rule, event, run, next, draft);
  const advanced = advanceRun(draft, next);
  if (!(advanced === next || advanced in ADVANCE.to)) throw outsideTable(event, run, advanced);
  draft.run.state = advanced;
  draft.run.updatedAt = now;
  return { run: draft.run, audit: draft.audit, effects: draft.effects };
}

/** The table is the contract: an apply function that leads elsewhere, or asks for more, is caught here. */
function assertInRow(rule: TransitionRule<RunEvent>, event: RunEvent, before: Run, next: Run['state'], draft: RunDraft): void {
  const target = next === before.state && rule.to.stay !== undefined ? 'stay' : next;
  if (rule.to[target] === undefined) throw outsideTable(event, before, next);
  const unlisted = draft.effects.find((effect) => !rule.effects.includes(effect.type));
  if (unlisted) throw outsideTable(event, before, next, unlisted.type);
}

function outsideTable(event: RunEvent, run: Run, next: Run['state'], effect?: string) {
  return catalogued('transition-outside-table', { event: event.type, runId: run.id, from: run.state, to: next, ...(effect ? { effect } : {}) });
}

function unchanged(run: Run): Transition {
  return { run, audit: [], effects: [] };
}
