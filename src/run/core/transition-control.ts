import { formatUtcTime } from './format-utc-time.js';
import type { RunEvent } from './run-event.js';
import { changedCluster, endRun, record, type NextState, type RunDraft } from './run-draft.js';
import { alreadyPaused, notPaused, notStarted, runAlreadyStarted } from './transition-errors.js';

type ControlEvent<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

export function applyStart(draft: RunDraft, event: ControlEvent<'start'>): NextState {
  const { run } = draft;
  if (run.state !== 'pending') throw runAlreadyStarted(run);
  record(draft, event.actor, 'run.started', `${run.service} ${run.version} to ${run.environment}`);
  return 'running';
}

/** Holds the run: running steps and checks finish, nothing new starts until `resume`. */
export function applyPause(draft: RunDraft, event: ControlEvent<'pause'>): NextState {
  const { run } = draft;
  if (run.state === 'paused') throw alreadyPaused(run);
  if (run.state !== 'running' && run.state !== 'waiting') throw notStarted(run, 'paused');
  return pauseRun(draft, event.actor, event.reason);
}

/** Pauses a running or waiting run (the state stays otherwise); shared with `page` breaches. */
export function pauseRun(draft: RunDraft, actor: string, reason: string | undefined): NextState {
  const { run } = draft;
  if (run.state !== 'running' && run.state !== 'waiting') return run.state;
  run.paused = { from: run.state, by: actor, at: draft.now, ...(reason ? { reason } : {}) };
  record(draft, actor, 'run.paused', reason ?? 'paused');
  draft.effects.push({ type: 'thread', note: { kind: 'paused', actor, ...(reason ? { reason } : {}) } });
  return 'paused';
}

export function applyResume(draft: RunDraft, event: ControlEvent<'resume'>): NextState {
  const { run } = draft;
  if (run.state !== 'paused' || !run.paused) throw notPaused(run);
  const pausedAt = run.paused.at;
  delete run.paused;
  record(draft, event.actor, 'run.resumed', `paused since ${formatUtcTime(pausedAt)}`);
  draft.effects.push({ type: 'thread', note: { kind: 'resumed', actor: event.actor, pausedAt } });
  // `running` lets the advance decide afresh between running and waiting, and start what was held back.
  return 'running';
}

/**
 * Stops the run. Before anything reached the cluster it ends `aborted`; after, it ends `failed` (the
 * reason says who aborted it) and a deploy asks for a rollback.
 */
export function applyAbort(draft: RunDraft, event: ControlEvent<'abort'>): NextState {
  const reason = { kind: 'aborted' as const, by: event.actor, ...(event.reason ? { text: event.reason } : {}) };
  return endRun(draft, changedCluster(draft.run) ? 'failed' : 'aborted', reason, event.actor);
}
