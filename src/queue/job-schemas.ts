import { z } from 'zod';

/** Jobs cross process boundaries as data: every processor parses its payload with these. */
export const stepJobSchema = z.object({ runId: z.string().min(1), itemId: z.string().min(1) });
export type StepJob = z.infer<typeof stepJobSchema>;

/** `late`: re-enqueued because the message trailed its run past the bound; it renders ahead of the line. */
export const renderJobSchema = z.object({ runId: z.string().min(1), seq: z.number().int().nonnegative(), late: z.boolean().optional() });
export type RenderJob = z.infer<typeof renderJobSchema>;

export const threadJobSchema = z.object({ runId: z.string().min(1), text: z.string().min(1) });
export type ThreadJob = z.infer<typeof threadJobSchema>;

export const runJobSchema = z.object({ runId: z.string().min(1) });
export type RunJob = z.infer<typeof runJobSchema>;

export const phaseDueJobSchema = z.object({ runId: z.string().min(1), phaseId: z.string().min(1) });
export type PhaseDueJob = z.infer<typeof phaseDueJobSchema>;

export const rollbackRequestJobSchema = z.object({ runId: z.string().min(1), reason: z.string() });
export type RollbackRequestJob = z.infer<typeof rollbackRequestJobSchema>;

export const alertJobSchema = z.object({
  runId: z.string().min(1),
  guardId: z.string().min(1),
  action: z.enum(['page', 'notify']),
  detail: z.string(),
});
export type AlertJob = z.infer<typeof alertJobSchema>;

/**
 * Job names per queue. A queue's worker routes each job to the handler registered for its name
 * (`job-handlers.ts`).
 */
export const JOB_NAMES = {
  steps: ['step', 'check'],
  rollback: ['step', 'rollback-request'],
  guards: ['guards-start', 'guards-evaluate', 'guards-stop'],
  notify: ['render', 'thread', 'summary', 'alert'],
  followups: ['phase-due'],
} as const;

/** BullMQ forbids `:` in custom ids; deterministic ids make a duplicate enqueue collapse into one job. */
export function stepJobId(runId: string, itemId: string): string {
  return `step-${runId}-${itemId}`;
}

export function renderJobId(runId: string, seq: number, late = false): string {
  return late ? `render-${runId}-${seq}-late` : `render-${runId}-${seq}`;
}
