import type { RunEvent } from './run-event.js';
import { FLIGHTDECK_ACTOR } from './run-event.js';
import type { RunItem } from './run-item-schema.js';
import type { Run, RunPhase } from './run-schema.js';
import { endRun, isFollowUp, locate, record, type NextState, type RunDraft } from './run-draft.js';
import {
  alreadyApproved,
  followUpNotDue,
  itemAlreadyDone,
  itemNotPending,
  itemNotStartedYet,
  phaseNotActive,
  wrongKind,
} from './transition-errors.js';
import { approveRefusal, tickRefusal } from './item-policy.js';

type ItemEvent<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/** Where people may act: the item's phase is active (a due follow-up on a succeeded run counts). */
function assertOpenPhase(run: Run, item: RunItem, phase: RunPhase): void {
  if (run.state === 'pending') throw itemNotStartedYet(run, item);
  if (phase.state === 'active') return;
  if (isFollowUp(phase) && phase.state === 'pending') throw followUpNotDue(item, phase);
  throw phaseNotActive(item, phase, run.phases.find((p) => p.state === 'active' && !isFollowUp(p)));
}

/** A person ticks a manual item; a role-restricted item needs the role, and the requester needs `requesterMayTick`. */
export function applyTick(draft: RunDraft, event: ItemEvent<'tick'>): NextState {
  const { item, phase } = locate(draft.run, event.itemId);
  if (item.kind !== 'manual') throw wrongKind(item, 'manual');
  if (item.state === 'done') throw itemAlreadyDone(item);
  if (item.state !== 'pending') throw itemNotPending(item);
  const refusal = tickRefusal(draft.run, item, event.actor, event.actorRoles);
  if (refusal) throw refusal;
  assertOpenPhase(draft.run, item, phase);
  item.state = 'done';
  item.by = event.actor;
  item.at = draft.now;
  record(draft, event.actor, 'item.ticked', `${item.id}: ${item.title}`);
  return draft.run.state;
}

/**
 * A person approves a sign-off: they need its role, may not be the requester unless the item allows it,
 * count once, and with `distinctSigners` may not have approved another sign-off of the run; the item is
 * done when `quorum` distinct people approved.
 */
export function applyApprove(draft: RunDraft, event: ItemEvent<'approve'>): NextState {
  const { run } = draft;
  const { item, phase } = locate(run, event.itemId);
  if (item.kind !== 'signoff') throw wrongKind(item, 'signoff');
  const own = item.approvals.find((approval) => approval.by === event.actor);
  if (own) throw alreadyApproved(item, own.at);
  if (item.state === 'done') throw itemAlreadyDone(item);
  if (item.state !== 'pending') throw itemNotPending(item);
  const refusal = approveRefusal(run, item, event.actor, event.actorRoles);
  if (refusal) throw refusal;
  assertOpenPhase(run, item, phase);
  item.approvals.push({ by: event.actor, at: draft.now });
  delete item.detail;
  delete item.expired;
  record(draft, event.actor, 'signoff.approved', `${item.id}: ${item.title} (${item.approvals.length}/${item.quorum})`);
  if (item.approvals.length >= item.quorum) {
    item.state = 'done';
    item.by = event.actor;
    item.at = draft.now;
  }
  return run.state;
}

/**
 * A check's measurement. Success completes the item; a final failure fails the run (`failed`: the release
 * is bad), or only the item and its phase when it is a follow-up of a succeeded run. Changes nothing when
 * the check is not running (a duplicate or late report).
 */
export function applyCheckMeasured(draft: RunDraft, event: ItemEvent<'check-measured'>): NextState {
  const { item, phase } = locate(draft.run, event.itemId);
  if (item.kind !== 'check' || item.state !== 'running') return null;
  const { measurement } = event;
  item.last = { ...measurement };
  item.attempts += 1;
  item.detail = measurement.message;
  if (measurement.outcome === 'successful') {
    item.state = 'done';
    item.by = FLIGHTDECK_ACTOR;
    item.at = draft.now;
    record(draft, FLIGHTDECK_ACTOR, 'check.passed', `${item.id}: ${measurement.message}`);
    return draft.run.state;
  }
  if (!event.final) return draft.run.state;
  item.state = 'failed';
  item.by = FLIGHTDECK_ACTOR;
  item.at = draft.now;
  const reason = `check "${item.title}" ${measurement.outcome === 'failed' ? 'failed' : `was ${measurement.outcome}`} after ${item.attempts} ${item.attempts === 1 ? 'try' : 'tries'}: ${measurement.message}`;
  record(draft, FLIGHTDECK_ACTOR, 'check.failed', `${item.id}: ${measurement.message}`);
  if (!isFollowUp(phase)) return endRun(draft, 'failed', reason, FLIGHTDECK_ACTOR);
  phase.state = 'failed';
  draft.effects.push({ type: 'thread', note: { kind: 'follow-up-failed', phaseTitle: phase.title, reason } });
  if (phase.onFailure === 'page') draft.effects.push({ type: 'page-failure', detail: `follow-up "${phase.title}": ${reason}`, incident: `follow-up-${phase.id}` });
  return draft.run.state;
}
