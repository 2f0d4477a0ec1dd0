import type { JobHandler } from '../engine/job-handler.js';
import { createAlertProcessor } from '../incidents/process-alert.js';
import { createCheckProcessor } from '../steps/process-check.js';
import type { WorkerDeps } from '../engine/worker-deps.js';
import { guardDepsOf } from './guard-deps.js';
import { GUARDS_EVALUATE_JOB } from './guard-scheduler.js';
import { createPagerDutyProcessor, PAGERDUTY_JOB } from '../incidents/pagerduty-events.js';
import { ALERT_JOB, INCIDENT_ACK_JOB } from '../incidents/process-alert-jobs.js';
import { createGuardsEvaluateProcessor } from './process-guards-evaluate.js';
import { createGuardsStartProcessor, createGuardsStopProcessor } from './process-guards-lifecycle.js';
import { createIncidentAckProcessor } from '../incidents/process-incident-ack.js';
import { createWatchEndProcessor } from './process-watch-end.js';
import { WATCH_END_JOB } from './guard-scheduler.js';

/** The handlers of checks, guards (with the day-after watch's end), alerts and paging, by queue, sharing one set of guard dependencies. */
export function createGuardHandlers(deps: WorkerDeps): { check: JobHandler; guards: Record<string, JobHandler>; notify: Record<string, JobHandler>; followups: Record<string, JobHandler> } {
  const guardDeps = guardDepsOf(deps);
  return {
    check: createCheckProcessor({ ...deps, probeProviders: guardDeps.probeProviders }),
    guards: {
      'guards-start': createGuardsStartProcessor(guardDeps),
      [GUARDS_EVALUATE_JOB]: createGuardsEvaluateProcessor(guardDeps),
      'guards-stop': createGuardsStopProcessor(guardDeps),
    },
    notify: {
      [ALERT_JOB]: createAlertProcessor(guardDeps),
      [INCIDENT_ACK_JOB]: createIncidentAckProcessor(guardDeps),
      [PAGERDUTY_JOB]: createPagerDutyProcessor({ ...guardDeps }),
    },
    followups: { [WATCH_END_JOB]: createWatchEndProcessor(guardDeps) },
  };
}
