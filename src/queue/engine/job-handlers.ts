import type { QueueName } from './create-queues.js';
import { createGuardHandlers } from '../guards/create-guard-handlers.js';
import type { JobHandler } from './job-handler.js';
import { createPhaseDueProcessor } from './process-phase-due.js';
import { createRenderJobProcessor } from '../notify/process-render.js';
import { createHoldProcessor } from './process-hold.js';
import { createRollbackRequestProcessor } from './process-rollback-request.js';
import { createStepProcessor } from '../steps/process-step.js';
import { createSummaryProcessor } from '../notify/process-summary.js';
import { createDeployLogProcessor } from '../notify/process-deploy-log.js';
import { createAnnounceProcessor } from '../notify/process-announce.js';
import { createStatsChartProcessor } from '../notify/process-stats-chart.js';
import { createThreadProcessor } from '../notify/process-thread.js';
import { createJobLogFileProcessor } from '../notify/process-job-log-file.js';
import type { WorkerDeps } from './worker-deps.js';
import { createDryRunProcessor } from '../dry-run/process-dry-run.js';

/**
 * The handler of every job name on every queue. Each concern registers its handlers here, built from the
 * shared worker dependencies; a queue's worker routes jobs by name.
 */
export function createJobHandlers(deps: WorkerDeps): Record<QueueName, Record<string, JobHandler>> {
  const step = createStepProcessor(deps);
  const incident = createGuardHandlers(deps);
  return {
    steps: { step, check: incident.check, ...(deps.dryRun ? { 'dry-run': createDryRunProcessor(deps, deps.dryRun) } : {}) },
    rollback: { step, 'rollback-request': createRollbackRequestProcessor(deps), hold: createHoldProcessor(deps) },
    guards: incident.guards,
    notify: { render: createRenderJobProcessor(deps.store), thread: createThreadProcessor(deps), summary: createSummaryProcessor(deps), 'deploy-log': createDeployLogProcessor(deps), 'job-log-file': createJobLogFileProcessor(deps), announce: createAnnounceProcessor(deps), 'stats-chart': createStatsChartProcessor(deps), ...incident.notify },
    followups: { 'phase-due': createPhaseDueProcessor(deps), ...incident.followups },
  };
}
