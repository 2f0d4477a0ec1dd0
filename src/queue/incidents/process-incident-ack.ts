import type { Job } from 'bullmq';
import type { GuardDeps } from '../guards/guard-deps.js';
import { enqueuePagerDutyEvent } from './pagerduty-events.js';
import { incidentAckJobSchema } from './process-alert-jobs.js';

/**
 * BullMQ processor for `incident-ack`: the on-call clicked Acknowledge. Queues the PagerDuty acknowledge
 * (its own retried job; it waits for the trigger) and notes in the run's thread who acknowledged.
 */
export function createIncidentAckProcessor(deps: GuardDeps) {
  return async (job: Job): Promise<void> => {
    const { runId, guardId, actor } = incidentAckJobSchema.parse(job.data);
    const run = await deps.store.get(runId);
    const guard = run?.guards.find((candidate) => candidate.id === guardId);
    if (!run || !guard) return;
    if (deps.pagerduty?.routes.has(run.service)) await enqueuePagerDutyEvent(deps.queues, { kind: 'acknowledge', runId, guardId, actor });
    await deps.incidentNotifier?.postThreadNote(run, `:eyes: <@${actor}> acknowledged the page for *${guard.title}*${deps.pagerduty?.routes.has(run.service) ? ' (PagerDuty acknowledged)' : ''}.`);
  };
}
