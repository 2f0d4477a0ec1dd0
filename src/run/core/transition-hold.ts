import { irreversibleJobsThatRan } from './job-reverts.js';
import type { RunEvent } from './run-event.js';
import type { Run } from './run-schema.js';
import { record, type NextState, type RunDraft } from './run-draft.js';
import { runNotHeld } from './transition-errors.js';

/** A failed deploy that was not rolled back because Jobs that cannot be undone ran (endRun's `hold`). */
export function isHeld(run: Run): boolean {
  return run.kind === 'deploy' && run.state === 'failed' && run.rollbackRunId === undefined && irreversibleJobsThatRan(run).length > 0;
}

/**
 * A person keeps a held run as it is (the on-call's Hold): nothing changes but the audit, which names who
 * decided, and the thread. Repeated clicks are each audited: every decision is someone's. Refused on a run
 * that is not held.
 */
export function applyHoldKept(draft: RunDraft, event: Extract<RunEvent, { type: 'hold-kept' }>): NextState {
  const { run } = draft;
  if (!isHeld(run)) throw runNotHeld(run);
  const held = irreversibleJobsThatRan(run);
  record(draft, event.actor, 'rollback.hold', `kept the image: ${held.map((item) => item.id).join(', ')} cannot be undone`);
  draft.effects.push({ type: 'thread', note: { kind: 'hold-kept', actor: event.actor } });
  return run.state;
}
