import { z } from 'zod';
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
 * Step actions. The first seven come from checklists; `restore-traffic` and `rollback` exist only in the
 * synthetic checklist of a rollback run.
 */
export const STEP_ACTIONS = [
  'set-image',
  'wait-rollout',
  'canary',
  'traffic',
  'bake',
  'promote',
  'smoke-job',
  'restore-traffic',
  'rollback',
] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/** Steps that change what the cluster serves: once one has started, an abort needs a rollback. */
export const CLUSTER_CHANGING_ACTIONS: ReadonlySet<StepAction> = new Set(['set-image', 'canary', 'traffic', 'promote', 'restore-traffic', 'rollback']);

export const jobTemplateSchema = z.object({
  image: z.string(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  serviceAccount: z.string().optional(),
});

/**
 * An action flightdeck performs. Which optional fields are set depends on `action`: `timeoutMs` (wait-rollout,
 * canary, promote, smoke-job, rollback; counted from `startedAt` so a worker restart does not reset it),
 * `replicas` (canary), `weight` (traffic: percent to the canary), `durationMs` (bake), `job` (smoke-job),
 * `toRevision` (rollback to an explicit revision instead of the pinned template).
 */
export const runStepItemSchema = z.object({
  ...itemBase,
  kind: z.literal('step'),
  action: z.enum(STEP_ACTIONS),
  timeoutMs: z.number().int().positive().optional(),
  replicas: z.number().int().positive().optional(),
  weight: z.number().int().min(0).max(100).optional(),
  durationMs: z.number().int().nonnegative().optional(),
  job: jobTemplateSchema.optional(),
  toRevision: z.string().optional(),
});

export const runItemSchema = z.discriminatedUnion('kind', [runManualItemSchema, runSignoffItemSchema, runCheckItemSchema, runStepItemSchema]);

export type RunManualItem = z.infer<typeof runManualItemSchema>;
export type RunSignoffItem = z.infer<typeof runSignoffItemSchema>;
export type RunStepItem = z.infer<typeof runStepItemSchema>;
export type RunItem = z.infer<typeof runItemSchema>;

/** Items people complete: the run waits for them. */
export function isPeopleItem(item: RunItem): item is RunManualItem | RunSignoffItem {
  return item.kind === 'manual' || item.kind === 'signoff';
}
