import type { Effect, RunEvent } from './run-event.js';
import { isFollowUp, itemsOf, type NextState, type RunDraft } from './run-draft.js';
import type { Run, RunState } from './run-schema.js';
import { applyAbort, applyPause, applyResume, applyStart } from './transition-control.js';
import { applyGuardAssessed, applyGuardBreached } from './transition-guards.js';
import { watchOpen } from './guard-watch.js';
import { applyWatchEnded } from './transition-watch.js';
import { applyApprove, applyCheckMeasured, applyTick } from './transition-items.js';
import { applyPhaseDue, applyRollbackFinished, applyRollbackStarted } from './transition-rollback.js';
import { applyJobLogStreamed, applyLockLost, applyRollbackTargetRecorded, applyStepFailed, applyStepProgress, applyStepSucceeded, applySummaryPosted } from './transition-steps.js';

/*
 * The run's state machine, one row per event: the states that take the event, the states it leads to
 * (`stay`: the state it was in) and when, and the effects it may ask for. `transition` enforces the table:
 * an ended run (terminal or rolling back) refuses an event whose row does not list its state with
 * `run-finished` (or ignores it, for guard reports), and an apply function that leads elsewhere or asks
 * for an unlisted effect is a bug it reports as `internal`. Within a listed state the apply function may
 * still refuse (with the words of src/errors/run-refusals.ts) or change nothing (a late or repeated report).
 *
 * After the event, the advance (ADVANCE below) moves a running, waiting or succeeded run on as far as it
 * goes without people. `transition` sets `run.state`, once, to where both led; nothing else does.
 */

type Target = RunState | 'stay';

export interface TransitionRule<E extends RunEvent> {
  /** The states that take the event. Every row lists the live states; the ended states listed are its only way into an ended run. */
  from: readonly RunState[];
  /** On an ended run listed in `from`: whether this very event applies there (a tick applies to an open follow-up only). */
  whenEnded?: (run: Run, event: E) => boolean;
  /** An ended run that does not take the event ignores it instead of refusing it. */
  ignoredWhenEnded?: true;
  /** Where the event leads, and when. */
  to: Partial<Record<Target, string>>;
  /** The effects the event itself may ask for (the advance adds its own). */
  effects: readonly Effect['type'][];
  apply: (draft: RunDraft, event: E) => NextState;
}

export type TransitionTable = { [T in RunEvent['type']]: TransitionRule<Extract<RunEvent, { type: T }>> };

const LIVE = ['pending', 'running', 'waiting', 'paused'] as const satisfies readonly RunState[];
const ENDED = ['succeeded', 'failed', 'error', 'aborted', 'rolling-back', 'rolled-back', 'rollback-failed'] as const satisfies readonly RunState[];

/** The effects of a run that ends (`endRun`): the thread hears why, guards stop, then a rollback or the summary. */
const END_EFFECTS = ['thread', 'stop-guards', 'request-rollback', 'summary'] as const satisfies readonly Effect['type'][];

/**
 * People and checks act on a succeeded run only through the items of its follow-ups. `takes` asks only
 * about an ended state the row lists, and these rows list `succeeded` alone; whether the follow-up is due
 * is the apply function's to say, in its own words.
 */
function onFollowUp(run: Run, event: { itemId: string }): boolean {
  const found = itemsOf(run).find(({ item }) => item.id === event.itemId);
  return found !== undefined && isFollowUp(found.phase);
}

export const RUN_TRANSITIONS: TransitionTable = {
  start: {
    from: LIVE,
    to: { running: 'from pending (refused in any other state)' },
    effects: [],
    apply: applyStart,
  },
  tick: {
    from: [...LIVE, 'succeeded'],
    whenEnded: onFollowUp,
    to: { stay: 'the item is done; the advance may complete its phase' },
    effects: [],
    apply: applyTick,
  },
  approve: {
    from: [...LIVE, 'succeeded'],
    whenEnded: onFollowUp,
    to: { stay: 'the approval counts; at quorum the item is done' },
    effects: [],
    apply: applyApprove,
  },
  'check-measured': {
    from: [...LIVE, 'succeeded'],
    whenEnded: onFollowUp,
    to: { stay: 'a pass, a try that is retried, or a failed follow-up check (only its phase fails; `onFailure: page` pages)', failed: 'the last try of a check failed' },
    effects: [...END_EFFECTS, 'page-failure'],
    apply: applyCheckMeasured,
  },
  'step-progress': {
    from: LIVE,
    to: { stay: 'the running step shows the new detail' },
    effects: [],
    apply: applyStepProgress,
  },
  'job-log-streamed': {
    from: LIVE,
    to: { stay: "the running Job's new log lines go to the thread; the run keeps how far they got" },
    effects: ['thread'],
    apply: applyJobLogStreamed,
  },
  'step-succeeded': {
    from: LIVE,
    to: { stay: 'the step is done; the advance starts what comes next' },
    effects: ['thread', 'job-log-file'],
    apply: applyStepSucceeded,
  },
  'step-failed': {
    from: LIVE,
    to: { failed: 'the release is bad (a rollout that never became ready)', error: 'flightdeck or the infrastructure broke (a 403, a missing Deployment)' },
    effects: [...END_EFFECTS, 'page-failure', 'job-log-file'],
    apply: applyStepFailed,
  },
  'lock-lost': {
    from: LIVE,
    to: { aborted: 'another run holds the target: the step changed nothing' },
    effects: [...END_EFFECTS],
    apply: applyLockLost,
  },
  'rollback-target-recorded': {
    from: LIVE,
    to: { stay: 'the first target is pinned, later ones are ignored' },
    effects: [],
    apply: applyRollbackTargetRecorded,
  },
  pause: {
    from: LIVE,
    to: { paused: 'from running or waiting (refused while pending or paused)' },
    effects: ['thread'],
    apply: applyPause,
  },
  resume: {
    from: LIVE,
    to: { running: 'from paused (refused otherwise); the advance decides between running and waiting' },
    effects: ['thread'],
    apply: applyResume,
  },
  abort: {
    from: LIVE,
    to: { aborted: 'nothing reached the cluster yet', failed: 'the cluster changed: a deploy asks for a rollback' },
    effects: [...END_EFFECTS],
    apply: applyAbort,
  },
  'guard-assessed': {
    from: [...LIVE, 'succeeded'],
    whenEnded: watchOpen,
    ignoredWhenEnded: true,
    to: { stay: 'the guard shows its latest assessment' },
    effects: [],
    apply: applyGuardAssessed,
  },
  'guard-breached': {
    from: [...LIVE, 'succeeded'],
    whenEnded: watchOpen,
    ignoredWhenEnded: true,
    to: {
      failed: 'action rollback',
      paused: 'action page, from running or waiting',
      stay: 'action notify, or page on a run that is not running or waiting; during the watch of a succeeded run any action (rollback ends the watch and asks for the rollback)',
    },
    effects: [...END_EFFECTS, 'page', 'notify'],
    apply: applyGuardBreached,
  },
  'rollback-started': {
    from: [...LIVE, ...ENDED],
    to: { 'rolling-back': 'a run that changed the cluster and is not a rollback itself nor rolled back already; one in flight is interrupted, an open watch ends' },
    effects: ['thread', 'stop-guards'],
    apply: applyRollbackStarted,
  },
  'rollback-finished': {
    from: [...LIVE, ...ENDED],
    to: { 'rolled-back': 'the rollback run succeeded', 'rollback-failed': 'it did not, or (from failed) it could not even start' },
    effects: ['thread', 'summary'],
    apply: applyRollbackFinished,
  },
  'phase-due': {
    from: [...LIVE, ...ENDED],
    to: { stay: 'a follow-up of a succeeded run opens; on any other run it lapses' },
    effects: ['thread'],
    apply: applyPhaseDue,
  },
  'summary-posted': {
    from: [...LIVE, ...ENDED],
    to: { stay: 'the summary is marked posted' },
    effects: [],
    apply: applySummaryPosted,
  },
  'watch-ended': {
    from: [...LIVE, ...ENDED],
    to: { stay: "a succeeded run's open watch ends (its window passed, or a newer run of the target began); otherwise nothing changes" },
    effects: ['thread'],
    apply: applyWatchEnded,
  },
};

/** What the advance does after every event (src/run/core/advance-run.ts), as a row of its own. */
export const ADVANCE = {
  from: ['running', 'waiting', 'succeeded'],
  to: {
    running: 'a step or check of the open phase runs',
    waiting: 'only people can move the run on',
    succeeded: 'every regular phase is done (on a succeeded run: follow-ups progress, the state stays)',
  },
  effects: ['thread', 'run-check', 'run-step', 'start-guards', 'stop-guards', 'schedule-phase', 'schedule-watch-end', 'summary'],
} as const;

/** Whether a run in its current state takes `event` at all (see `from`, `whenEnded`). */
export function takes(run: Run, event: RunEvent): boolean {
  const rule = RUN_TRANSITIONS[event.type] as TransitionRule<RunEvent>;
  if (!rule.from.includes(run.state)) return false;
  return (LIVE as readonly RunState[]).includes(run.state) || rule.whenEnded === undefined || rule.whenEnded(run, event);
}
