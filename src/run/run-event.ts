import type { AuditEntry, RollbackTarget, Run } from './run-schema.js';

/** Something that happened to a run: a person acted, or a worker reported on a step. */
export type RunEvent =
  | { type: 'start'; actor: string }
  | { type: 'tick'; itemId: string; actor: string }
  | { type: 'step-succeeded'; itemId: string; detail: string }
  | { type: 'step-failed'; itemId: string; reason: string; outcome: 'failed' | 'error' }
  /** Updates the running step's detail line only (e.g. rollout progress); no audit entry. */
  | { type: 'step-progress'; itemId: string; detail: string }
  | { type: 'rollback-target-recorded'; target: RollbackTarget };

/** Work the caller must schedule after storing the transition; the core never does I/O itself. */
export type Effect = { type: 'run-step'; itemId: string };

/** The result of applying one event: the next run document, what to audit, and what to schedule. */
export interface Transition {
  run: Run;
  audit: AuditEntry[];
  effects: Effect[];
}

/** The actor recorded for changes flightdeck makes itself (steps, phase completion). */
export const FLIGHTDECK_ACTOR = 'flightdeck';
