import { auditEntry } from './audit-entry.js';
import { irreversibleJobsThatRan, jobsThatRan, revertsOf } from './job-reverts.js';
import { FLIGHTDECK_ACTOR, type Effect } from './run-event.js';
import { plainRunReason, type RunCause } from './run-reason.js';
import { CLUSTER_CHANGING_ACTIONS, type RunItem } from './run-item-schema.js';
import type { AuditEntry, Run, RunPhase, RunState } from './run-schema.js';
import { itemNotFound } from './transition-errors.js';

/** A transition in progress: the private copy of the run and what the event produced so far. */
export interface RunDraft {
  run: Run;
  audit: AuditEntry[];
  effects: Effect[];
  now: number;
}

/**
 * What applying an event to a draft gives `transition`: the state the event leads to (before the advance
 * moves the run on), or null when the event changed nothing. Only `transition` sets `run.state`.
 */
export type NextState = RunState | null;

/** Appends an audit entry stamped with the draft's clock. */
export function record(draft: RunDraft, actor: string, action: string, detail: string): void {
  draft.audit.push(auditEntry(draft.run, actor, action, detail, draft.now));
}

/** Every item of the run with its phase. */
export function itemsOf(run: Run): { item: RunItem; phase: RunPhase }[] {
  return run.phases.flatMap((phase) => phase.items.map((item) => ({ item, phase })));
}

/**
 * Whether the run has (or may have) changed what the cluster serves: a cluster-changing step left
 * `pending`, or a rollback target was recorded.
 */
export function changedServing(run: Run): boolean {
  if (run.rollbackTarget) return true;
  return itemsOf(run).some(({ item }) => item.kind === 'step' && CLUSTER_CHANGING_ACTIONS.has(item.action) && item.state !== 'pending');
}

/**
 * Whether the run has (or may have) changed the cluster: what it serves, or through a Job that said it changes
 * something (a `revert:` or `irreversible: true`: a migration, a restore). Decides between `aborted` and
 * `failed` + rollback, so a run that fails after its migration but before its image still has the migration undone.
 */
export function changedCluster(run: Run): boolean {
  return changedServing(run) || jobsThatRan(run).some((item) => item.revert !== undefined || item.irreversible === true);
}

/** Whether a rollback of the run has anything to do: restore what it served, or revert a Job that ran. */
export function somethingToRollBack(run: Run): boolean {
  return changedServing(run) || revertsOf(run).length > 0;
}

/** A follow-up phase runs after the run succeeded (`after` in the checklist). */
export function isFollowUp(phase: RunPhase): boolean {
  return phase.afterMs !== undefined;
}

/** Stops the guards if they are watching; idempotent. */
export function stopGuards(draft: RunDraft): void {
  const { run } = draft;
  if (run.guardsStartedAt === undefined || run.guardsStoppedAt !== undefined) return;
  run.guardsStoppedAt = draft.now;
  draft.effects.push({ type: 'stop-guards' });
}

/** Asks for the deployment summary unless it was posted already. */
export function requestSummary(draft: RunDraft): void {
  if (!draft.run.summaryPosted && !draft.effects.some((effect) => effect.type === 'summary')) draft.effects.push({ type: 'summary' });
}

/**
 * Stops whatever is in flight: running items become `skipped` with `why`, the active regular phase
 * `failed`, and a pause is forgotten. Workers still holding a job for an interrupted item find the run
 * ended and drop their result.
 */
export function interrupt(draft: RunDraft, why: RunCause): void {
  const { run } = draft;
  for (const phase of run.phases) {
    if (isFollowUp(phase)) continue;
    for (const item of phase.items) {
      if (item.state !== 'running') continue;
      item.state = 'skipped';
      item.at = draft.now;
      item.detail = `interrupted: ${interruption(why)}`;
    }
    if (phase.state === 'active') phase.state = 'failed';
  }
  delete run.paused;
}

/** Why an item stopped, on its own line: the person who acted is named in the run's outcome, not here. */
function interruption(why: RunCause): string {
  if (typeof why === 'string') return why;
  return why.kind === 'aborted' ? 'the run was aborted' : 'a rollback was requested';
}

export type EndState = 'failed' | 'error' | 'aborted';

/**
 * Ends the run in `state` for `reason`: everything but the state itself, which the caller returns to
 * `transition` (the one place that sets it). A deploy that ends `failed` after changing the cluster asks
 * for a rollback (the summary then waits for the rollback's end) — unless a Job that cannot be undone ran:
 * then it holds (`hold`) and asks for the summary, as any other end does.
 */
export function endRun(draft: RunDraft, state: EndState, reason: RunCause, actor: string): EndState {
  const { run } = draft;
  interrupt(draft, reason);
  run.reason = reason;
  run.endedAt = draft.now;
  stopGuards(draft);
  record(draft, actor, `run.${state}`, plainRunReason(reason));
  draft.effects.push({ type: 'thread', note: { kind: 'run-ended', runId: run.id, state, reason } });
  if (state !== 'failed' || run.kind !== 'deploy' || !changedCluster(run)) {
    requestSummary(draft);
    return state;
  }
  const irreversible = irreversibleJobsThatRan(run);
  if (irreversible.length === 0) {
    draft.effects.push({ type: 'request-rollback', reason });
    return state;
  }
  // Restoring the image over a change nothing can undo is a person's call, never an automatic one.
  record(draft, FLIGHTDECK_ACTOR, 'rollback.held', `not rolled back automatically: ${irreversible.map((item) => item.id).join(', ')} ran and cannot be undone`);
  draft.effects.push({ type: 'thread', note: { kind: 'rollback-held', runId: run.id, irreversible: irreversible.map((item) => item.title) } });
  draft.effects.push({ type: 'hold' });
  requestSummary(draft);
  return state;
}

/** The item and its phase. @throws FlightdeckError `item-not-found`. */
export function locate(run: Run, itemId: string): { item: RunItem; phase: RunPhase } {
  const found = itemsOf(run).find(({ item }) => item.id === itemId);
  if (!found) throw itemNotFound(run, itemId);
  return found;
}
