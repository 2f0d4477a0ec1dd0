import { formatUtcTime } from './format-utc-time.js';
import type { RunEvent } from './run-event.js';
import { changedCluster, endRun, record, type RunDraft } from './run-draft.js';
import { alreadyPaused, notPaused, notStarted, runAlreadyStarted } from './transition-errors.js';

type ControlEvent<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

export function applyStart(draft: RunDraft, event: ControlEvent<'start'>): void {
  const { run } = draft;
  if (run.state !== 'pending') throw runAlreadyStarted(run);
  run.state = 'running';
  record(draft, event.actor, 'run.started', `${run.service} ${run.version} to ${run.environment}`);
}

/** Holds the run: running steps and checks finish, nothing new starts until `resume`. */
export function applyPause(draft: RunDraft, event: ControlEvent<'pause'>): void {
  const { run } = draft;
  if (run.state === 'paused') throw alreadyPaused(run);
  if (run.state !== 'running' && run.state !== 'waiting') throw notStarted(run, 'paused');
  pauseRun(draft, event.actor, event.reason);
}

/** Pauses a running or waiting run (no-op otherwise); shared with `page` breaches. */
export function pauseRun(draft: RunDraft, actor: string, reason: string | undefined): void {
  const { run } = draft;
  if (run.state !== 'running' && run.state !== 'waiting') return;
  run.paused = { from: run.state, by: actor, at: draft.now, ...(reason ? { reason } : {}) };
  run.state = 'paused';
  record(draft, actor, 'run.paused', reason ?? 'paused');
  draft.effects.push({ type: 'thread', note: { kind: 'paused', actor, ...(reason ? { reason } : {}) } });
}

export function applyResume(draft: RunDraft, event: ControlEvent<'resume'>): void {
  const { run } = draft;
  if (run.state !== 'paused' || !run.paused) throw notPaused(run);
  const pausedAt = run.paused.at;
  // `running` lets the advance decide afresh between running and waiting, and start what was held back.
  run.state = 'running';
  delete run.paused;
  record(draft, event.actor, 'run.resumed', `paused since ${formatUtcTime(pausedAt)}`);
  draft.effects.push({ type: 'thread', note: { kind: 'resumed', actor: event.actor, pausedAt } });
}

/**
 * Stops the run. Before anything reached the cluster it ends `aborted`; after, it ends `failed` (the
 * reason says who aborted it) and a deploy asks for a rollback.
 */
export function applyAbort(draft: RunDraft, event: ControlEvent<'abort'>): void {
  const { run } = draft;
  const reason = { kind: 'aborted' as const, by: event.actor, ...(event.reason ? { text: event.reason } : {}) };
  endRun(draft, changedCluster(run) ? 'failed' : 'aborted', reason, event.actor);
}
