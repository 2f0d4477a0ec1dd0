import type { ThreadNote } from './thread-note.js';
import type { GuardAssessment } from '../../probes/assess-guard.js';
import type { Measurement } from '../../probes/probe-provider.js';
import type { RunCause, RunReason } from './run-reason.js';
import type { AuditEntry, RollbackTarget, Run } from './run-schema.js';
import type { WatchEnd } from './watch-end-schema.js';
import type { JobOutcome } from './run-item-schema.js';

/** A `job` step's Job as it ended: the outcome kept on the run (a failed Job's whole log goes to the thread as a file). */
export interface JobReport {
  outcome: JobOutcome;
}

type GuardAction = 'rollback' | 'page' | 'notify';

/**
 * Something that happened to a run: a person acted, a worker reported on a step or check, a guard was
 * assessed, a delayed job fired. `actorRoles` are the roles the actor holds (resolved by the caller).
 */
export type RunEvent =
  /** pending → running; environments with `confirmStart` wait for this click. */
  | { type: 'start'; actor: string }
  /** A manual item. */
  | { type: 'tick'; itemId: string; actor: string; actorRoles: readonly string[] }
  /** A sign-off item. */
  | { type: 'approve'; itemId: string; actor: string; actorRoles: readonly string[] }
  /** A check item's measurement; `final` when no retry follows. */
  | { type: 'check-measured'; itemId: string; measurement: Measurement; final: boolean }
  /** `job`: how a `job` step's Job ended (a Job that failed under `onFailure: continue` succeeds the step). */
  | { type: 'step-succeeded'; itemId: string; detail: string; job?: JobReport }
  /** `page`: the failure needs a person now (a permission missing mid-release), so on-call is paged too. */
  | { type: 'step-failed'; itemId: string; reason: string; outcome: 'failed' | 'error'; page?: boolean; job?: JobReport }
  /** Updates the running step's detail line only (e.g. rollout progress); no audit entry. */
  | { type: 'step-progress'; itemId: string; detail: string }
  /** A running `job` step read `lines` more of its pod's log, from line `from` (0-based) on; the thread gets them. */
  | { type: 'job-log-streamed'; itemId: string; jobName: string; podName: string; from: number; lines: string[] }
  /** A step found, before changing the cluster, that its run no longer holds the target's lock (`holder`: who does, or ''). */
  | { type: 'lock-lost'; itemId: string; holder: string }
  | { type: 'rollback-target-recorded'; target: RollbackTarget }
  | { type: 'pause'; actor: string; reason?: string }
  | { type: 'resume'; actor: string }
  | { type: 'abort'; actor: string; reason?: string }
  | { type: 'guard-assessed'; guardId: string; assessment: GuardAssessment }
  | { type: 'guard-breached'; guardId: string; action: GuardAction; detail: string }
  /** A person decided to keep a held run (a failed run whose Jobs cannot be undone) as it is: the image stays. */
  | { type: 'hold-kept'; actor: string }
  /** The rollback run undoing this run was created (it holds the lock now). */
  | { type: 'rollback-started'; rollbackRunId: string; actor: string }
  /** The rollback run ended; also accepted on a failed run whose rollback could not be started. */
  | { type: 'rollback-finished'; ok: boolean; detail: string; reason?: RunReason }
  /** A follow-up phase's delayed job fired. */
  | { type: 'phase-due'; phaseId: string }
  /** The deployment summary is in the thread. */
  | { type: 'summary-posted' }
  /** The day-after watch ends: its window passed (the delayed job or an evaluation saw it), or a newer run of the target began. */
  | { type: 'watch-ended'; end: Extract<WatchEnd, { kind: 'expired' | 'superseded' }> };


/** Work the caller must schedule after storing the transition; the core never does I/O itself. */
export type Effect =
  | { type: 'run-step'; itemId: string }
  | { type: 'run-check'; itemId: string }
  /** A delayed job that applies `phase-due` at `at` (epoch ms). */
  | { type: 'schedule-phase'; phaseId: string; at: number }
  /** A delayed job that applies `watch-ended` (expired) at `at` (epoch ms); the guards' scheduler keeps evaluating until then. */
  | { type: 'schedule-watch-end'; at: number }
  | { type: 'start-guards' }
  | { type: 'stop-guards' }
  /** Start a rollback run for this run (it ended `failed` after changing the cluster). */
  | { type: 'request-rollback'; reason: RunCause }
  /**
   * In place of `request-rollback` when Jobs that cannot be undone ran: traffic back to stable where the run
   * shifted it, the target locked, the failure paged; the image stays until a person decides.
   */
  | { type: 'hold' }
  /** Trigger PagerDuty and DM the on-call; the run is paused until someone acts. */
  | { type: 'page'; guardId: string; detail: string }
  | { type: 'notify'; guardId: string; detail: string }
  /**
   * Trigger PagerDuty for a run that failed for a reason no guard watches (a 403 after the cluster changed),
   * or a follow-up check that failed in a phase with `onFailure: page`; `incident` names it (default: the run's failure).
   */
  | { type: 'page-failure'; detail: string; incident?: string }
  /** A reply in the run's thread, as data (src/slack/views words it). */
  | { type: 'thread'; note: ThreadNote }
  /** Upload a `job` step's whole pod log as a file in the thread, read from the cluster when the upload runs. */
  | { type: 'job-log-file'; itemId: string }
  /** Post the deployment summary in the thread, then apply `summary-posted`. */
  | { type: 'summary' };


/** The result of applying one event: the next run document, what to audit, and what to schedule. */
export interface Transition {
  run: Run;
  audit: AuditEntry[];
  effects: Effect[];
}

/** The actor recorded for changes flightdeck makes itself (steps, phase completion). */
export const FLIGHTDECK_ACTOR = 'flightdeck';
