import type { Job } from 'bullmq';
import type { QueueName } from './create-queues.js';
import { createRenderProcessor } from './process-render.js';
import { createStepProcessor } from './process-step.js';
import type { WorkerDeps } from './worker-deps.js';

/** Handles one job; `signal` aborts when the worker shuts down. */
export type JobHandler = (job: Job, token: string | undefined, signal: AbortSignal | undefined) => Promise<unknown>;

/**
 * The handler of every job name on every queue. Each concern registers its handlers here, built from the
 * shared worker dependencies; a queue's worker routes jobs by name.
 */
export function createJobHandlers(deps: WorkerDeps): Record<QueueName, Record<string, JobHandler>> {
  const step = createStepProcessor(deps);
  return {
    steps: { step },
    rollback: { step },
    guards: {},
    notify: { render: createRenderProcessor(deps) },
    followups: {},
  };
}
