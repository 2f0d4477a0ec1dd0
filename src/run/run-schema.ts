import { z } from 'zod';

/**
 * The run document as stored in Redis. It is parsed with this schema on every read, so a document
 * written by an older or newer flightdeck fails loudly instead of being half-understood.
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

export const itemStateSchema = z.enum(['pending', 'running', 'done', 'failed', 'skipped']);
export type ItemState = z.infer<typeof itemStateSchema>;

export const runItemSchema = z.object({
  id: z.string(),
  kind: z.enum(['manual', 'step']),
  title: z.string(),
  action: z.enum(['set-image', 'wait-rollout']).optional(),
  /** For wait-rollout: how long the step may take, counted from `startedAt` so a worker restart does not reset it. */
  timeoutMs: z.number().int().positive().optional(),
  state: itemStateSchema,
  /** Slack user id (or `flightdeck`) that completed or failed the item. */
  by: z.string().optional(),
  /** When the item reached its current state, epoch ms. */
  at: z.number().optional(),
  startedAt: z.number().optional(),
  /** The outcome shown in the message: a rollout status line, a failure reason. */
  detail: z.string().optional(),
});
export type RunItem = z.infer<typeof runItemSchema>;

export const runPhaseSchema = z.object({
  id: z.string(),
  title: z.string(),
  state: z.enum(['pending', 'active', 'done', 'failed', 'skipped']),
  items: z.array(runItemSchema),
});
export type RunPhase = z.infer<typeof runPhaseSchema>;

/** Where the run deploys: resolved from the catalog when the run is created, so later edits of the catalog do not move a running deployment. */
export const runTargetSchema = z.object({
  /** kubeconfig context name. */
  cluster: z.string(),
  namespace: z.string(),
  deployment: z.string(),
  container: z.string(),
  /** The full image reference the run rolls out, `repository:tag`. */
  image: z.string(),
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
  id: z.string(),
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
  phases: z.array(runPhaseSchema),
  reason: z.string().optional(),
  rollbackTarget: rollbackTargetSchema.optional(),
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
