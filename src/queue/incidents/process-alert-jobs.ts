import { z } from 'zod';
import type { Queues } from '../engine/create-queues.js';

export const ALERT_JOB = 'alert';

/**
 * An `alert` job. The run engine enqueues them for `page` and `notify` breaches;
 * guard evaluation adds `rollback` ones, since the domain answers a rollback breach with the rollback itself.
 */
export const incidentAlertJobSchema = z.object({
  runId: z.string().min(1),
  guardId: z.string().min(1),
  action: z.enum(['rollback', 'page', 'notify']),
  detail: z.string(),
});

/** Enqueues the alert of a rollback breach; the breach time in the id makes a repeat collapse. */
export async function enqueueRollbackAlert(queues: Queues, runId: string, guardId: string, detail: string, breachAt: number): Promise<void> {
  await queues.notify.add(ALERT_JOB, { runId, guardId, action: 'rollback', detail }, { jobId: `alert-rollback-${runId}-${guardId}-${breachAt}` });
}

export const INCIDENT_ACK_JOB = 'incident-ack';

export const incidentAckJobSchema = z.object({ runId: z.string().min(1), guardId: z.string().min(1), actor: z.string().min(1) });
export type IncidentAckJob = z.infer<typeof incidentAckJobSchema>;

/** The on-call clicked Acknowledge: a thread note and a PagerDuty acknowledge, each retried on its own. */
export async function enqueueIncidentAck(queues: Queues, job: IncidentAckJob): Promise<void> {
  await queues.notify.add(INCIDENT_ACK_JOB, job, { jobId: `incident-ack-${job.runId}-${job.guardId}` });
}
