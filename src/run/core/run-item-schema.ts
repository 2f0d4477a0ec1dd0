import { z } from 'zod';
import { JOB_FAILURE_POLICIES, runJobSpecSchema } from '../../checklist/job-step-schema.js';
import { probeSpecSchema } from '../../probes/probe-types.js';

/*
 * The items of a run document. Each carries what the engine and the message need, copied from the
 * checklist with template variables filled in when the run was created, so a later edit of the checklist
 * never changes a run in flight.
 */

export const itemStateSchema = z.enum(['pending', 'running', 'done', 'failed', 'skipped']);

const itemBase = {
  id: z.string(),
  title: z.string(),
  state: itemStateSchema,
  /** Slack user id (or `flightdeck`) that completed or failed the item. */
  by: z.string().optional(),
  /** When the item reached its current state, epoch ms. */
  at: z.number().optional(),
  startedAt: z.number().optional(),
  /** The outcome shown in the message: a rollout status line, a measured value, a failure reason. */
  detail: z.string().optional(),
};

/**
 * A box a person ticks; with `role`, only holders of that role may tick it. `requesterMayTick` is resolved
 * from the checklist when the run is created; runs stored before it existed read it as "no role: yes".
 */
export const runManualItemSchema = z.object({ ...itemBase, kind: z.literal('manual'), role: z.string().optional(), requesterMayTick: z.boolean().optional() });

export const approvalSchema = z.object({ by: z.string(), at: z.number() });

/**
 * An approval by `quorum` distinct holders of `role`. `allowSelf` is already resolved against the
 * checklist's `allowSelfSignoff`. Approvals older than `expiresMs` when the phase would complete are dropped.
 */
export const runSignoffItemSchema = z.object({
  ...itemBase,
  kind: z.literal('signoff'),
  role: z.string(),
  quorum: z.number().int().positive(),
  allowSelf: z.boolean(),
  expiresMs: z.number().int().positive().optional(),
  approvals: z.array(approvalSchema),
  /** Approvals that expired before the phase completed, so the item went back to pending; cleared by the next approval. */
  expired: z.array(approvalSchema).optional(),
});

export const measurementSchema = z.object({
  outcome: z.enum(['successful', 'failed', 'error', 'inconclusive']),
  value: z.union([z.number(), z.string()]).optional(),
  message: z.string(),
  at: z.number(),
});

/** A probe a worker runs: `retries` more tries `intervalMs` apart, each bounded by `timeoutMs`. */
export const runCheckItemSchema = z.object({
  ...itemBase,
  kind: z.literal('check'),
  probe: probeSpecSchema,
  retries: z.number().int().nonnegative(),
  intervalMs: z.number().int().nonnegative(),
  timeoutMs: z.number().int().positive(),
  /** Measurements reported so far in this attempt series. */
  attempts: z.number().int().nonnegative(),
  last: measurementSchema.optional(),
});

/**
 * Step actions: the `action` of the step union below. `restore-traffic`, `switch-back`, `retire-preview` and
 * `rollback` exist only in the synthetic checklist of a rollback run; the others come from checklists.
 */
export type StepAction = RunStepItem['action'];

/** Steps that change what the cluster serves: once one has started, an abort needs a rollback. */
export const CLUSTER_CHANGING_ACTIONS: ReadonlySet<StepAction> = new Set([
  'set-image',
  'canary',
  'traffic',
  'promote',
  'preview',
  'switch',
  'scale-down',
  'restore-traffic',
  'switch-back',
  'retire-preview',
  'rollback',
]);

export const jobTemplateSchema = z.object({
  image: z.string(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  serviceAccount: z.string().optional(),
});

const stepBase = { ...itemBase, kind: z.literal('step') };

/** How long the step may take, counted from `startedAt` so a worker restart does not reset it. */
const timeoutMs = z.number().int().positive();

/*
 * One schema per action, each with exactly the fields its executor reads. They are `z.object`, not strict:
 * a stored document carrying a field its action no longer takes (a rollback step's `timeoutMs`, written
 * before the union) still parses, and the field is dropped on the next write.
 */
const setImageRunStepSchema = z.object({ ...stepBase, action: z.literal('set-image') });
const waitRolloutRunStepSchema = z.object({ ...stepBase, action: z.literal('wait-rollout'), timeoutMs });
const canaryRunStepSchema = z.object({ ...stepBase, action: z.literal('canary'), replicas: z.number().int().positive(), timeoutMs });
/** `weight`: percent of the traffic sent to the canary. */
const trafficRunStepSchema = z.object({ ...stepBase, action: z.literal('traffic'), weight: z.number().int().min(0).max(100) });
const bakeRunStepSchema = z.object({ ...stepBase, action: z.literal('bake'), durationMs: z.number().int().nonnegative() });
const promoteRunStepSchema = z.object({ ...stepBase, action: z.literal('promote'), timeoutMs });
const smokeJobRunStepSchema = z.object({ ...stepBase, action: z.literal('smoke-job'), job: jobTemplateSchema, timeoutMs });
/**
 * How a `job` step's Job ended, kept on the run: its name (to find it with kubectl until the TTL removes it),
 * the pod read, the container's exit code when the pod reported one, and the last lines of its log.
 */
export const jobOutcomeSchema = z.object({
  status: z.enum(['succeeded', 'failed']),
  jobName: z.string(),
  podName: z.string().optional(),
  exitCode: z.number().int().optional(),
  /** The Job's terminal condition message, e.g. "Job has reached the specified backoff limit". */
  message: z.string(),
  logTail: z.array(z.string()),
});
export type JobOutcome = z.infer<typeof jobOutcomeSchema>;

/**
 * How far a running Job's log has reached the thread: the pod streamed and how many of its lines were posted.
 * Stored with the replies it asked for (one transition), so a step resumed by another worker posts from there.
 */
export const jobLogStreamSchema = z.object({ podName: z.string(), lines: z.number().int().nonnegative() });

/** `timeoutMs`: the step's deadline, also the Job's activeDeadlineSeconds. `logStream`: since run schema 5. */
const jobRunStepSchema = z.object({
  ...stepBase,
  action: z.literal('job'),
  job: runJobSpecSchema,
  timeoutMs,
  onFailure: z.enum(JOB_FAILURE_POLICIES),
  outcome: jobOutcomeSchema.optional(),
  logStream: jobLogStreamSchema.optional(),
});
const previewRunStepSchema = z.object({ ...stepBase, action: z.literal('preview'), timeoutMs });
const switchRunStepSchema = z.object({ ...stepBase, action: z.literal('switch') });
/** `delayMs`: how long after the switch the old version stays scaled (the scale-down delay). */
const scaleDownRunStepSchema = z.object({ ...stepBase, action: z.literal('scale-down'), delayMs: z.number().int().nonnegative(), timeoutMs });
/** First step of a rollback of a blue-green run: traffic back on the old version, one write; its `at` is when. */
const switchBackRunStepSchema = z.object({ ...stepBase, action: z.literal('switch-back') });
/** The step after it: the preview scaled to zero, then the active Service's own selector back. */
const retirePreviewRunStepSchema = z.object({ ...stepBase, action: z.literal('retire-preview') });
const restoreTrafficRunStepSchema = z.object({ ...stepBase, action: z.literal('restore-traffic') });
/**
 * `toRevision`: roll back to this Deployment revision instead of the pinned template. No timeout: the
 * rollback run's wait-rollout step that follows bounds the rollout.
 */
const rollbackRunStepSchema = z.object({ ...stepBase, action: z.literal('rollback'), toRevision: z.string().optional() });

/** An action flightdeck performs, with the fields of that action. */
export const runStepItemSchema = z.discriminatedUnion('action', [
  setImageRunStepSchema,
  waitRolloutRunStepSchema,
  canaryRunStepSchema,
  trafficRunStepSchema,
  bakeRunStepSchema,
  promoteRunStepSchema,
  smokeJobRunStepSchema,
  jobRunStepSchema,
  previewRunStepSchema,
  switchRunStepSchema,
  scaleDownRunStepSchema,
  restoreTrafficRunStepSchema,
  switchBackRunStepSchema,
  retirePreviewRunStepSchema,
  rollbackRunStepSchema,
]);

export const runItemSchema = z.discriminatedUnion('kind', [runManualItemSchema, runSignoffItemSchema, runCheckItemSchema, runStepItemSchema]);

export type RunManualItem = z.infer<typeof runManualItemSchema>;
export type RunSignoffItem = z.infer<typeof runSignoffItemSchema>;
export type RunStepItem = z.infer<typeof runStepItemSchema>;
/** The step item of one action: `RunStepOf<'canary'>` has `replicas` and `timeoutMs`, required. */
export type RunStepOf<A extends StepAction> = Extract<RunStepItem, { action: A }>;
export type RunItem = z.infer<typeof runItemSchema>;

/** Items people complete: the run waits for them. */
export function isPeopleItem(item: RunItem): item is RunManualItem | RunSignoffItem {
  return item.kind === 'manual' || item.kind === 'signoff';
}
