import type { Job } from 'bullmq';
import { plainRunReason } from '../../run/core/run-reason.js';
import { runJobSchema } from '../engine/job-schemas.js';
import type { GuardDeps } from './guard-deps.js';
import { guardScheduler } from './guard-scheduler.js';
import { guardsOver } from './process-guards-evaluate.js';
import { watchOpen } from '../../run/core/guard-watch.js';
import { enqueuePagerDutyEvent } from '../incidents/pagerduty-events.js';

/** Default cadence when a run somehow has no guard intervals. */
const DEFAULT_EVERY_MS = 10_000;

/**
 * BullMQ processor for `guards-start`: creates the run's evaluation scheduler, ticking at its shortest guard
 * interval, and sends PagerDuty a change event for the rollout's start. Idempotent: an existing scheduler
 * is left alone (the reconciler enqueues this job again for every run whose guards should be watching).
 */
export function createGuardsStartProcessor(deps: GuardDeps) {
  return async (job: Job): Promise<void> => {
    const { runId } = runJobSchema.parse(job.data);
    const run = await deps.store.get(runId);
    if (!run || run.guardsStartedAt === undefined || guardsOver(run)) return;
    // Every deploy that reaches the cluster is a change PagerDuty should know of, guarded or not; the job
    // id makes a repeated guards-start send it once.
    // A watched run's scheduler is asked for again by the reconciler after success: its start is old news then.
    if (run.kind === 'deploy' && !watchOpen(run) && deps.pagerduty?.routes.has(run.service)) {
      await enqueuePagerDutyEvent(deps.queues, {
        kind: 'change',
        runId,
        what: 'started',
        summary: `Deploying ${run.service} ${run.version} to ${run.environment} (run #${run.id}, requested by ${run.requestedBy})`,
      });
    }
    if (run.guards.length === 0) return;
    // The watch after success may evaluate more often than the rollout: the scheduler ticks for both.
    const every = Math.min(...run.guards.flatMap((guard) => [guard.intervalMs, ...(guard.watch ? [guard.watch.intervalMs] : [])])) || DEFAULT_EVERY_MS;
    if (!(await guardScheduler.ensure(deps.queues, runId, every))) return;
    deps.logger.info({ run: runId, every, guards: run.guards.map((guard) => guard.id) }, 'guards watching');
  };
}

/**
 * BullMQ processor for `guards-stop`: stops evaluation unless the run has PagerDuty incidents open, which the
 * scheduler keeps watching until the rollback completes (`settleEndedRun`), or the run succeeded into its
 * day-after watch, which the same scheduler evaluates; sends the finish change event.
 */
export function createGuardsStopProcessor(deps: GuardDeps) {
  return async (job: Job): Promise<void> => {
    const { runId } = runJobSchema.parse(job.data);
    const run = await deps.store.get(runId);
    const open = await deps.incidents.openIncidents(runId);
    if (!run || (open.size === 0 && !watchOpen(run))) await guardScheduler.remove(deps.queues, runId);
    if (run?.kind === 'deploy' && deps.pagerduty?.routes.has(run.service)) {
      await enqueuePagerDutyEvent(deps.queues, {
        kind: 'change',
        runId,
        what: 'finished',
        summary: `Deploy of ${run.service} ${run.version} to ${run.environment} ${run.state} (run #${run.id})${run.reason ? `: ${plainRunReason(run.reason)}` : ''}`.slice(0, 1024),
      });
    }
  };
}
