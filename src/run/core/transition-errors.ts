import { catalogued } from '../../errors/error-catalogue.js';
import type { FlightdeckError } from '../../errors/flightdeck-error.js';
import type { Run, RunItem, RunPhase } from './run-schema.js';

/*
 * The refusals of the state machine, as catalogue keys and the values they name; the words are in
 * src/errors/run-refusals.ts.
 */

/** The run as refusals name it. */
function ref(run: Run): { id: string; service: string; version: string; environment: string } {
  return { id: run.id, service: run.service, version: run.version, environment: run.environment };
}

/** The run's end reason as the catalogue words it (a rollback run's `undoes` never ends a run, so it is left out). */
function endCause(run: Run) {
  const { reason } = run;
  if (reason === undefined) return {};
  if (typeof reason === 'string') return { cause: { kind: 'words' as const, text: reason } };
  if (reason.kind === 'undoes') return {};
  return { cause: reason };
}

export function runFinished(run: Run): FlightdeckError {
  return catalogued('run-finished', { run: ref(run), state: run.state, ...endCause(run) });
}

export function runAlreadyStarted(run: Run): FlightdeckError {
  return catalogued('run-already-started', { run: ref(run), state: run.state });
}

export function itemNotFound(run: Run, itemId: string): FlightdeckError {
  return catalogued('item-not-found', { run: ref(run), itemId, checklist: run.checklist });
}

export function wrongKind(item: RunItem, expected: 'manual' | 'signoff'): FlightdeckError {
  if (item.kind === 'step' || item.kind === 'check') return catalogued('item-runs-itself', { item: { title: item.title }, kind: item.kind });
  return catalogued(expected === 'signoff' ? 'item-not-a-signoff' : 'item-is-a-signoff', { item: { title: item.title } });
}

export function roleRequired(item: RunItem, role: string, verb: 'tick' | 'approve'): FlightdeckError {
  return catalogued('role-required', { item: { title: item.title }, role, verb });
}

export function selfApproval(run: Run, item: RunItem): FlightdeckError {
  return catalogued('self-approval', { run: ref(run), item: { title: item.title } });
}

export function alreadyApproved(item: RunItem, at: number): FlightdeckError {
  return catalogued('already-approved', { item: { title: item.title }, at });
}

export function followUpNotDue(item: RunItem, phase: RunPhase): FlightdeckError {
  return catalogued('follow-up-not-due', { item: { title: item.title }, phase: { title: phase.title }, ...(phase.dueAt === undefined ? {} : { dueAt: phase.dueAt }) });
}

export function notStarted(run: Run, what: string): FlightdeckError {
  return catalogued('run-not-started', { run: ref(run), what });
}

export function alreadyPaused(run: Run): FlightdeckError {
  return catalogued('run-already-paused', { run: ref(run), ...(run.paused ? { by: run.paused.by, at: run.paused.at } : {}) });
}

export function notPaused(run: Run): FlightdeckError {
  return catalogued('run-not-paused', { run: ref(run), state: run.state });
}

export function nothingToRollBack(run: Run): FlightdeckError {
  return catalogued('nothing-to-roll-back', { run: ref(run) });
}

export function rollbackOfRollback(run: Run): FlightdeckError {
  return catalogued('rollback-of-rollback', { runId: run.id });
}

export function alreadyRollingBack(run: Run): FlightdeckError {
  return catalogued('already-rolling-back', { run: ref(run), state: run.state, ...(run.rollbackRunId ? { rollbackRunId: run.rollbackRunId } : {}) });
}

export function runNotHeld(run: Run): FlightdeckError {
  return catalogued('run-not-held', { run: ref(run), state: run.state });
}

export function noRollbackInProgress(run: Run): FlightdeckError {
  return catalogued('no-rollback-in-progress', { run: ref(run), state: run.state });
}

export function guardNotFound(run: Run, guardId: string): FlightdeckError {
  return catalogued('guard-not-found', { run: ref(run), guardId });
}

export function phaseNotFound(run: Run, phaseId: string): FlightdeckError {
  return catalogued('phase-not-found', { run: ref(run), phaseId });
}

export function notFollowUp(phase: RunPhase): FlightdeckError {
  return catalogued('not-follow-up', { phase: { title: phase.title } });
}

export function itemAlreadyDone(item: RunItem): FlightdeckError {
  if (item.kind === 'signoff') return catalogued('signoff-complete', { item: { title: item.title }, approvals: item.approvals });
  return catalogued('item-already-ticked', { item: { title: item.title }, ...(item.by ? { by: item.by } : {}), ...(item.at === undefined ? {} : { at: item.at }) });
}

export function itemNotStartedYet(run: Run, item: RunItem): FlightdeckError {
  return catalogued('item-before-start', { run: ref(run), item: { title: item.title } });
}

export function phaseNotActive(item: RunItem, phase: RunPhase, blocking: RunPhase | undefined): FlightdeckError {
  return catalogued('phase-not-active', { item: { title: item.title }, phase: { title: phase.title }, ...(blocking ? { blocking: { title: blocking.title } } : {}) });
}

export function itemNotPending(item: RunItem): FlightdeckError {
  return catalogued('item-not-pending', { item: { title: item.title }, state: item.state });
}
