import { FlightdeckError } from '../errors/flightdeck-error.js';
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
  return new FlightdeckError('item-not-tickable', `"${item.title}" is a step flightdeck runs itself; it cannot be ticked.`);
}

export function itemAlreadyDone(item: RunItem): FlightdeckError {
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
