import { FlightdeckError } from '../../errors/flightdeck-error.js';
import { formatUtcTime } from './format-utc-time.js';
import type { Run, RunItem, RunPhase, RunState } from './run-schema.js';

// The messages below are read by people in Slack: they name the run, the item and what to do next.

/** How a run reads in messages: "run 12 (api 1.4.2 to production)". */
export function describeRun(run: Run): string {
  return `run ${run.id} (${run.service} ${run.version} to ${run.environment})`;
}

const FINAL_STATE_TEXT: Partial<Record<RunState, string>> = {
  succeeded: 'it succeeded',
  failed: 'it failed',
  error: 'it stopped with an error',
  'rolled-back': 'it was rolled back',
  'rollback-failed': 'its rollback failed',
  aborted: 'it was aborted',
  'rolling-back': 'it is being rolled back',
};

export function runFinished(run: Run): FlightdeckError {
  const state = FINAL_STATE_TEXT[run.state] ?? `it is ${run.state}`;
  const reason = run.reason ? ` (${run.reason})` : '';
  return new FlightdeckError('run-finished', `${capitalize(describeRun(run))} has already finished: ${state}${reason}.`, {
    remedy: 'Start a new run with /deploy if you want to try again.',
  });
}

export function runAlreadyStarted(run: Run): FlightdeckError {
  // No dedicated code exists for this yet; `usage` is the closest: the person asked for something that
  // does not apply to the run as it stands.
  return new FlightdeckError('usage', `${capitalize(describeRun(run))} has already started (it is ${run.state}).`);
}

export function itemNotFound(run: Run, itemId: string): FlightdeckError {
  return new FlightdeckError('item-not-found', `${capitalize(describeRun(run))} has no item "${itemId}".`, {
    remedy: `Its checklist is "${run.checklist}"; use the buttons in the run's message.`,
  });
}

export function stepNotTickable(item: RunItem): FlightdeckError {
  const what = item.kind === 'check' ? 'a check' : 'a step';
  return new FlightdeckError('item-not-tickable', `"${item.title}" is ${what} flightdeck runs itself; it cannot be ticked.`);
}

export function wrongKind(item: RunItem, expected: 'manual' | 'signoff'): FlightdeckError {
  if (item.kind === 'step' || item.kind === 'check') return stepNotTickable(item);
  return expected === 'signoff'
    ? new FlightdeckError('item-not-tickable', `"${item.title}" is a box to tick, not a sign-off.`)
    : new FlightdeckError('item-not-tickable', `"${item.title}" is a sign-off: it needs an approval, not a tick.`);
}

export function roleRequired(item: RunItem, role: string, verb: 'tick' | 'approve'): FlightdeckError {
  return new FlightdeckError('forbidden', `Only people with the role \`${role}\` may ${verb} "${item.title}".`, {
    remedy: `Ask someone with the role \`${role}\`, or ask whoever maintains flightdeck.yaml to add you to it.`,
  });
}

export function selfApproval(run: Run, item: RunItem): FlightdeckError {
  return new FlightdeckError('forbidden', `You requested ${describeRun(run)}, so you may not approve "${item.title}": four-eyes principle, someone else must sign off.`);
}

export function alreadyApproved(item: RunItem, at: number): FlightdeckError {
  return new FlightdeckError('item-already-done', `You already approved "${item.title}" at ${formatUtcTime(at)}.`);
}

export function signoffComplete(item: RunItem & { approvals: { by: string; at: number }[] }): FlightdeckError {
  const who = item.approvals.map((approval) => `<@${approval.by}> at ${formatUtcTime(approval.at)}`).join(', ');
  return new FlightdeckError('item-already-done', `"${item.title}" was already signed off by ${who}.`);
}

export function followUpNotDue(item: RunItem, phase: RunPhase): FlightdeckError {
  const when = phase.dueAt === undefined ? 'after the run succeeds' : `at ${new Date(phase.dueAt).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
  return new FlightdeckError('item-not-tickable', `"${item.title}" belongs to the follow-up "${phase.title}", which is due ${when}.`);
}

export function notStarted(run: Run, what: string): FlightdeckError {
  return new FlightdeckError('usage', `${capitalize(describeRun(run))} has not started yet, so it cannot be ${what}.`, {
    remedy: 'Press Start in the run message, or abort it.',
  });
}

export function alreadyPaused(run: Run): FlightdeckError {
  const who = run.paused ? ` by <@${run.paused.by}> at ${formatUtcTime(run.paused.at)}` : '';
  return new FlightdeckError('usage', `${capitalize(describeRun(run))} is already paused${who}.`);
}

export function notPaused(run: Run): FlightdeckError {
  return new FlightdeckError('usage', `${capitalize(describeRun(run))} is not paused (it is ${run.state}).`);
}

export function nothingToRollBack(run: Run): FlightdeckError {
  return new FlightdeckError('usage', `${capitalize(describeRun(run))} never changed the cluster, so there is nothing to roll back.`);
}

export function rollbackOfRollback(run: Run): FlightdeckError {
  return new FlightdeckError('usage', `Run ${run.id} is itself a rollback; roll back with /rollback and a revision instead.`);
}

export function alreadyRollingBack(run: Run): FlightdeckError {
  const by = run.rollbackRunId ? ` by run ${run.rollbackRunId}` : '';
  return new FlightdeckError('usage', `${capitalize(describeRun(run))} is already ${run.state === 'rolling-back' ? 'being rolled back' : 'rolled back'}${by}.`);
}

export function noRollbackInProgress(run: Run): FlightdeckError {
  return new FlightdeckError('usage', `${capitalize(describeRun(run))} has no rollback in progress (it is ${run.state}).`);
}

export function guardNotFound(run: Run, guardId: string): FlightdeckError {
  return new FlightdeckError('item-not-found', `${capitalize(describeRun(run))} has no guard "${guardId}".`);
}

export function phaseNotFound(run: Run, phaseId: string): FlightdeckError {
  return new FlightdeckError('item-not-found', `${capitalize(describeRun(run))} has no phase "${phaseId}".`);
}

export function notFollowUp(phase: RunPhase): FlightdeckError {
  return new FlightdeckError('usage', `Phase "${phase.title}" is not a follow-up; it runs when the phase before it is done.`);
}

export function itemAlreadyDone(item: RunItem): FlightdeckError {
  if (item.kind === 'signoff') return signoffComplete(item);
  const who = item.by ? ` by <@${item.by}>` : '';
  const when = item.at === undefined ? '' : ` at ${formatUtcTime(item.at)}`;
  return new FlightdeckError('item-already-done', `"${item.title}" was already ticked${who}${when}.`);
}

export function itemNotStartedYet(run: Run, item: RunItem): FlightdeckError {
  return new FlightdeckError('item-not-tickable', `${capitalize(describeRun(run))} has not started yet, so "${item.title}" cannot be ticked.`, {
    remedy: 'Press Start in the run message first.',
  });
}

export function phaseNotActive(item: RunItem, phase: RunPhase, blocking: RunPhase | undefined): FlightdeckError {
  const first = blocking ? `phase "${blocking.title}" must finish first` : 'an earlier phase must finish first';
  return new FlightdeckError('item-not-tickable', `"${item.title}" belongs to phase "${phase.title}": ${first}.`);
}

export function itemNotPending(item: RunItem): FlightdeckError {
  return new FlightdeckError('item-not-tickable', `"${item.title}" cannot be ticked: it is ${item.state}.`);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
