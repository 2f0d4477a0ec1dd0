import { z } from 'zod';
import { GUARD_ACTIONS, GUARD_POLICIES } from '../../checklist/checklist-schema.js';
import { probeSpecSchema } from '../../probes/probe-types.js';
import { runItemSchema } from './run-item-schema.js';
import { runReasonSchema } from './run-reason.js';
import { threadNoteSchema } from './thread-note.js';
import { watchEndSchema } from './watch-end-schema.js';

export type { RunItem } from './run-item-schema.js';

/**
 * Bumped whenever the stored shape changes, with a migration from the previous version in
 * run-migrations.ts: older documents are migrated forward on read (parse-run.ts).
 */
export const RUN_SCHEMA_VERSION = 6;

/**
 * The run document as stored in Redis. It is parsed with this schema on every read (after migrating an
 * older document forward), so a document written by a newer flightdeck fails loudly instead of being
 * half-understood.
 */
export const RUN_STATES = [
  'pending',
  'running',
  'waiting',
  'paused',
  'succeeded',
  'failed',
  'rolling-back',
  'rolled-back',
  'rollback-failed',
  'aborted',
  'error',
] as const;

export const TERMINAL_STATES = ['succeeded', 'failed', 'rolled-back', 'rollback-failed', 'aborted', 'error'] as const;

export const runStateSchema = z.enum(RUN_STATES);
export type RunState = z.infer<typeof runStateSchema>;

export const runPhaseSchema = z.object({
  id: z.string(),
  title: z.string(),
  state: z.enum(['pending', 'active', 'done', 'failed', 'skipped']),
  /**
   * Set on follow-up phases: they become due this long after the run succeeded (the run's lock is
   * released by then) and stay open on the succeeded run.
   */
  afterMs: z.number().int().nonnegative().optional(),
  /** When a follow-up phase is due, epoch ms; set when the run succeeds. */
  dueAt: z.number().optional(),
  /** Set (schema 5) on a follow-up phase whose failed check pages PagerDuty (`onFailure: page`). */
  onFailure: z.literal('page').optional(),
  items: z.array(runItemSchema),
});
export type RunPhase = z.infer<typeof runPhaseSchema>;

export const guardStatusSchema = z.enum(['healthy', 'pending', 'breached', 'inconclusive']);

/** A guard of the run: the checklist's guard with templates filled and durations in ms, plus its latest assessment. */
export const runGuardSchema = z.object({
  id: z.string(),
  title: z.string(),
  probe: probeSpecSchema,
  forMs: z.number().int().nonnegative(),
  intervalMs: z.number().int().positive(),
  action: z.enum(GUARD_ACTIONS),
  noData: z.enum(GUARD_POLICIES),
  onError: z.enum(GUARD_POLICIES),
  assessment: z
    .object({ status: guardStatusSchema, since: z.number().optional(), reason: z.string(), at: z.number() })
    .optional(),
  /** Set by a breach and cleared by the next non-breached assessment: one breach per episode. */
  breachedAt: z.number().optional(),
  /** Set (schema 5) on a guard with `watchFor`: how it watches after the run succeeded (guard-watch.ts). */
  watch: z
    .object({
      windowMs: z.number().int().positive(),
      probe: probeSpecSchema,
      forMs: z.number().int().nonnegative(),
      intervalMs: z.number().int().positive(),
      action: z.enum(GUARD_ACTIONS),
    })
    .optional(),
});
export type RunGuard = z.infer<typeof runGuardSchema>;


/** The watch of a succeeded run's guards with `watchFor` (schema 5): from success until `until`, or until `end`. */
export const runWatchSchema = z.object({ startedAt: z.number(), until: z.number(), end: watchEndSchema.optional(), endedAt: z.number().optional() });

export const breachSchema = z.object({ guardId: z.string(), action: z.enum(GUARD_ACTIONS), detail: z.string(), at: z.number() });

/** Where the run deploys: resolved from the catalog when the run is created, so later edits of the catalog do not move a running deployment. */
export const runTargetSchema = z.object({
  /** kubeconfig context name. */
  cluster: z.string(),
  namespace: z.string(),
  deployment: z.string(),
  container: z.string(),
  /** The full image reference the run rolls out, `repository:tag`. */
  image: z.string(),
  /**
   * How traffic steps reach the canary (the catalog's `traffic`): an HTTPRoute and its two Services, or (schema
   * 5) the one Service selecting stable and canary pods, the weights then being pod counts.
   */
  traffic: z.union([z.object({ route: z.string(), stableService: z.string(), canaryService: z.string() }), z.object({ service: z.string() })]).optional(),
  /** The Services (and optional HTTPRoute) blue-green steps switch between (from the catalog's `blueGreen`). */
  blueGreen: z.object({ activeService: z.string(), previewService: z.string(), route: z.string().optional() }).optional(),
  /** The environment's Prometheus, used by prometheus probes that name no URL. */
  prometheusUrl: z.string().optional(),
});
export type RunTarget = z.infer<typeof runTargetSchema>;

/** What the Deployment ran before this run changed anything: the pinned rollback target. */
export const rollbackTargetSchema = z.object({
  revision: z.string(),
  image: z.string(),
  /** The pod template (`spec.template`) exactly as read from the API server. */
  template: z.record(z.string(), z.unknown()),
  recordedAt: z.number(),
});
export type RollbackTarget = z.infer<typeof rollbackTargetSchema>;

export const runSchema = z.object({
  schemaVersion: z.literal(RUN_SCHEMA_VERSION),
  id: z.string(),
  /**
   * Set by the store when the run is created (schema 3): a hash of the installation, the id and the creation
   * time, so what is named after the run outside this Redis (smoke Jobs, PagerDuty dedup keys, queue job
   * ids) is never reused by a later run that gets the same id after Redis was restored or lost. Absent on
   * runs created by an older flightdeck: they keep the names their objects already have (see run-ref.ts).
   */
  uid: z.string().optional(),
  /** A deploy follows a checklist; a rollback restores what a deploy replaced (synthetic checklist). */
  kind: z.enum(['deploy', 'rollback']),
  /** On a rollback run: the run it undoes, when there is one. */
  rollbackOf: z.string().optional(),
  /** On a deploy run: the rollback run that undoes it, once started. */
  rollbackRunId: z.string().optional(),
  /** Compare-and-set version: incremented by every stored change. */
  seq: z.number().int().nonnegative(),
  service: z.string(),
  environment: z.string(),
  version: z.string(),
  checklist: z.string(),
  target: runTargetSchema,
  requestedBy: z.string(),
  channel: z.string(),
  messageTs: z.string().optional(),
  state: runStateSchema,
  /** From the environment: a Start click is needed (the run stays pending), and sign-offs ask for confirmation. */
  confirm: z.object({ start: z.boolean(), signoffs: z.boolean() }),
  /** From the checklist: one person counts for at most one sign-off of this run. Absent on older runs: false. */
  distinctSigners: z.boolean().optional(),
  phases: z.array(runPhaseSchema),
  guards: z.array(runGuardSchema),
  breaches: z.array(breachSchema),
  /** When the guards began watching (the first cluster-changing step started); unset while they do not. */
  guardsStartedAt: z.number().optional(),
  guardsStoppedAt: z.number().optional(),
  /** Set (schema 5) when a run whose guards have `watchFor` succeeded: they keep watching (guard-watch.ts). */
  watch: runWatchSchema.optional(),
  /** Why and since when the run is paused; `from` is the state resume returns to before advancing. */
  paused: z.object({ from: z.enum(['running', 'waiting']), by: z.string(), at: z.number(), reason: z.string().optional() }).optional(),
  /** Why the run ended, or why a rollback run was started: who acted as a user id (a string in documents of older versions). */
  reason: runReasonSchema.optional(),
  /** What the Deployment ran before this run changed anything: recorded by its first set-image or canary step, never replaced. */
  rollbackTarget: rollbackTargetSchema.optional(),
  /** On a rollback run: the pinned template of the run it undoes, if that run recorded one. */
  restoreTo: rollbackTargetSchema.optional(),
  /** The deployment summary has been posted in the thread (it is posted once). */
  summaryPosted: z.boolean().optional(),
  /** What the thread hears of the transition that ended the run, said in the summary rather than as replies of their own (fold-closing-notes.ts). */
  closingNotes: z.array(threadNoteSchema).optional(),
  /** A deploy started with `--emergency`: outside the windows and freezes, held until a second person approved it. */
  emergency: z.object({ reason: z.string(), by: z.string() }).optional(),
  /** The commit CI built the version from and when it was committed (epoch ms), as the API was told: the lead time. */
  commit: z.object({ sha: z.string().optional(), at: z.number().optional() }).optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
  endedAt: z.number().optional(),
});
export type Run = z.infer<typeof runSchema>;

export const auditEntrySchema = z.object({
  run: z.string(),
  actor: z.string(),
  action: z.string(),
  detail: z.string(),
  at: z.number(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export function isTerminal(state: RunState): boolean {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}
