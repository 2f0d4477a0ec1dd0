import { FLIGHTDECK_ACTOR } from './run-event.js';
import { CLUSTER_CHANGING_ACTIONS, isPeopleItem, type RunItem } from './run-item-schema.js';
import type { RunPhase, RunState } from './run-schema.js';
import { beginWatch } from './guard-watch.js';
import { isFollowUp, record, requestSummary, stopGuards, type RunDraft } from './run-draft.js';

/**
 * Moves a run as far as it can go without anyone acting: completes finished phases, activates the next
 * one, starts checks and the next step, and decides between `running`, `waiting` and `succeeded`. On a
 * succeeded run it only progresses follow-up phases that are due.
 *
 * Within a phase, checks start once every step listed before them is done (they do not wait for
 * people); a step starts once every person's item of the phase is done, every item listed before it is
 * done, and no other step runs (steps run one at a time). Runs that are pending, paused or ended are
 * left alone.
 *
 * Mutates the draft, which must be the transition's private copy, except for the run's state: `state` is
 * the state the event led to, and the state the run goes on in is returned for `transition` to set.
 */
export function advanceRun(draft: RunDraft, state: RunState): RunState {
  const { run } = draft;
  if (state === 'succeeded') {
    for (const phase of run.phases) if (isFollowUp(phase) && phase.state === 'active') progressPhase(draft, phase);
    return state;
  }
  if (state !== 'running' && state !== 'waiting') return state;

  // Each pass either returns or closes one phase, so the loop ends after at most phases.length passes.
  for (;;) {
    let phase = run.phases.find((p) => p.state === 'active' && !isFollowUp(p));
    if (!phase) {
      phase = run.phases.find((p) => p.state === 'pending' && !isFollowUp(p));
      if (!phase) return succeed(draft);
      phase.state = 'active';
    }
    if (progressPhase(draft, phase) === 'done') continue;
    const busy = phase.items.some((item) => (item.kind === 'step' || item.kind === 'check') && item.state === 'running');
    return busy ? 'running' : 'waiting';
  }
}

/**
 * Closes the phase if every item is done (after dropping expired sign-offs), otherwise starts what may
 * start. Returns whether the phase is done.
 */
function progressPhase(draft: RunDraft, phase: RunPhase): 'done' | 'open' {
  if (phase.items.every(isFinished) && !dropExpiredApprovals(draft, phase)) {
    phase.state = 'done';
    record(draft, FLIGHTDECK_ACTOR, 'phase.completed', `${phase.id}: ${phase.title}`);
    draft.effects.push({ type: 'thread', note: { kind: 'phase-completed', phaseTitle: phase.title, followUp: isFollowUp(phase) } });
    return 'done';
  }
  startReadyItems(draft, phase);
  return 'open';
}

function isFinished(item: RunItem): boolean {
  return item.state === 'done' || item.state === 'skipped';
}

function startReadyItems(draft: RunDraft, phase: RunPhase): void {
  const peopleOpen = phase.items.some((item) => isPeopleItem(item) && !isFinished(item));
  let stepRunning = phase.items.some((item) => item.kind === 'step' && item.state === 'running');
  let earlierStepsDone = true;
  let earlierDone = true;
  for (const item of phase.items) {
    if (item.kind === 'check' && item.state === 'pending' && earlierStepsDone) {
      item.state = 'running';
      item.startedAt = draft.now;
      item.at = draft.now;
      item.attempts = 0;
      record(draft, FLIGHTDECK_ACTOR, 'check.started', `${item.id}: ${item.title}`);
      draft.effects.push({ type: 'run-check', itemId: item.id });
    }
    if (item.kind === 'step' && item.state === 'pending' && earlierDone && !peopleOpen && !stepRunning) {
      item.state = 'running';
      item.startedAt = draft.now;
      item.at = draft.now;
      stepRunning = true;
      record(draft, FLIGHTDECK_ACTOR, 'step.started', `${item.id}: ${item.title}`);
      if (CLUSTER_CHANGING_ACTIONS.has(item.action)) startGuards(draft);
      draft.effects.push({ type: 'run-step', itemId: item.id });
    }
    if (!isFinished(item)) {
      earlierDone = false;
      if (item.kind === 'step') earlierStepsDone = false;
    }
  }
}

/**
 * Guards watch from the first cluster change until the run ends. The effect is emitted even without
 * guards for a deploy: the change reaching production is also what PagerDuty's change events report.
 */
function startGuards(draft: RunDraft): void {
  const { run } = draft;
  if (run.guardsStartedAt !== undefined || (run.kind !== 'deploy' && run.guards.length === 0)) return;
  run.guardsStartedAt = draft.now;
  if (run.guards.length > 0) record(draft, FLIGHTDECK_ACTOR, 'guards.started', run.guards.map((guard) => guard.id).join(', '));
  draft.effects.push({ type: 'start-guards' });
}

/**
 * Sign-offs whose approvals have expired by now lose them; an item that falls below quorum goes back to
 * `pending` and keeps the expired approvals (`expired`), which the message names. Returns whether any item reopened.
 */
function dropExpiredApprovals(draft: RunDraft, phase: RunPhase): boolean {
  let reopened = false;
  for (const item of phase.items) {
    if (item.kind !== 'signoff' || item.expiresMs === undefined) continue;
    const expiresMs = item.expiresMs;
    const expired = item.approvals.filter((approval) => draft.now - approval.at > expiresMs);
    if (expired.length === 0) continue;
    item.approvals = item.approvals.filter((approval) => !expired.includes(approval));
    record(draft, FLIGHTDECK_ACTOR, 'signoff.expired', `${item.id}: ${expired.map((approval) => approval.by).join(', ')}`);
    if (item.approvals.length < item.quorum) {
      item.state = 'pending';
      item.at = draft.now;
      delete item.by;
      item.expired = expired;
      reopened = true;
    }
  }
  return reopened;
}

/** All regular phases are done: the run succeeded; follow-up phases are scheduled and the day-after watch begins from now. */
function succeed(draft: RunDraft): 'succeeded' {
  const { run } = draft;
  run.endedAt = draft.now;
  stopGuards(draft);
  record(draft, FLIGHTDECK_ACTOR, 'run.succeeded', `${run.service} ${run.version} to ${run.environment}`);
  draft.effects.push({ type: 'thread', note: { kind: 'run-succeeded', runId: run.id, image: run.target.image, environment: run.environment } });
  beginWatch(draft);
  for (const phase of run.phases) {
    if (phase.afterMs === undefined || phase.state !== 'pending') continue;
    phase.dueAt = draft.now + phase.afterMs;
    record(draft, FLIGHTDECK_ACTOR, 'phase.scheduled', `${phase.id}: due at ${new Date(phase.dueAt).toISOString()}`);
    draft.effects.push({ type: 'schedule-phase', phaseId: phase.id, at: phase.dueAt });
  }
  requestSummary(draft);
  return 'succeeded';
}
