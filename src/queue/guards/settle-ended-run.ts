import type { Run } from '../../run/core/run-schema.js';
import { clockTime } from './decide-breach.js';
import type { GuardDeps } from './guard-deps.js';
import { guardScheduler } from './guard-scheduler.js';
import { measureGuard } from './measure-guard.js';
import { enqueuePagerDutyEvent } from '../incidents/pagerduty-events.js';

/** How long after its end a run's incidents are watched for a rollback to complete. */
const SETTLE_LIMIT_MS = 60 * 60_000;

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * After a run's guards stopped: while it has PagerDuty incidents open, wait for its rollback. Once the run
 * is `rolled-back` and every guard with an open incident measures healthy again, resolve those incidents,
 * post the timeline in the thread and stop the scheduler. Any other end (rollback failed, succeeded after
 * a page, aborted) leaves the incident to the people handling it. Without open incidents the scheduler
 * simply stops.
 */
export async function settleEndedRun(run: Run, deps: GuardDeps, signal: AbortSignal): Promise<void> {
  const open = await deps.incidents.openIncidents(run.id);
  const waitingForRollback = run.state === 'failed' || run.state === 'rolling-back';
  const tooLate = deps.now() - (run.endedAt ?? run.updatedAt) > SETTLE_LIMIT_MS;
  if (open.size === 0 || tooLate || (!waitingForRollback && run.state !== 'rolled-back')) {
    await guardScheduler.remove(deps.queues, run.id);
    return;
  }
  if (waitingForRollback) return;

  const guards = run.guards.filter((guard) => open.has(guard.id));
  const measurements = await Promise.all(guards.map((guard) => measureGuard(run, guard, deps, signal)));
  const unhealthy = measurements.filter((m) => m.outcome !== 'successful');
  if (unhealthy.length > 0) {
    deps.logger.info({ run: run.id, unhealthy: unhealthy.map((m) => m.message) }, 'rolled back, but guards are not healthy yet; incident stays open');
    return;
  }
  const resolvedAt = deps.now();
  for (const guard of guards) await enqueuePagerDutyEvent(deps.queues, { kind: 'resolve', runId: run.id, guardId: guard.id });
  if (deps.pagerduty?.routes.has(run.service)) {
    await enqueuePagerDutyEvent(deps.queues, { kind: 'change', runId: run.id, what: 'rolled-back', summary: `${run.service} rolled back in ${run.environment} (run #${run.id}, ${run.version})` });
  }
  const lines = guards.map((guard) => {
    const incident = open.get(guard.id)!;
    const windowStart = guard.assessment?.since;
    const steps = [
      ...(windowStart === undefined ? [] : [`window began ${clockTime(windowStart)}`]),
      `breached ${clockTime(incident.breachAt)}`,
      ...(incident.triggeredAt === undefined ? [] : [`PagerDuty triggered +${seconds(incident.triggeredAt - incident.breachAt)}`]),
      ...(run.endedAt === undefined ? [] : [`rolled back +${seconds(run.endedAt - incident.breachAt)}`]),
      `healthy again, PagerDuty resolved +${seconds(resolvedAt - incident.breachAt)}`,
    ];
    return `• *${guard.title}*: ${steps.join(' → ')}`;
  });
  await deps.incidentNotifier?.postThreadNote(run, `:white_check_mark: Guards healthy after the rollback; resolving the PagerDuty incident.\n${lines.join('\n')}`);
  await guardScheduler.remove(deps.queues, run.id);
}
