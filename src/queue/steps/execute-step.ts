import { FlightdeckError } from '../../errors/flightdeck-error.js';
import type { StepAction } from '../../run/core/run-item-schema.js';
import type { Run, RunItem } from '../../run/core/run-schema.js';
import { bakeStep } from './bake-step.js';
import { canaryStep } from './canary-step.js';
import { promoteStep } from './promote-step.js';
import { restoreTrafficStep } from './restore-traffic-step.js';
import { rollbackStep } from './rollback-step.js';
import { setImageStep } from './set-image-step.js';
import { smokeJobStep } from './smoke-job-step.js';
import type { StepContext, StepExecutor, StepOutcome } from './step-context.js';
import { trafficStep } from './traffic-step.js';
import { waitRolloutStep } from './wait-rollout-step.js';

const EXECUTORS: Record<StepAction, StepExecutor> = {
  'set-image': setImageStep,
  'wait-rollout': waitRolloutStep,
  canary: canaryStep,
  traffic: trafficStep,
  bake: bakeStep,
  promote: promoteStep,
  'smoke-job': smokeJobStep,
  'restore-traffic': restoreTrafficStep,
  rollback: rollbackStep,
};

/**
 * Performs one step. Every executor converges when run again (after a crash or a retry): the rollback
 * target is recorded once, patches are skipped when the cluster already carries them, waits watch again.
 *
 * @throws FlightdeckError from the executor; `internal` when the item is not a step.
 */
export async function executeStep(run: Run, item: RunItem, context: StepContext): Promise<StepOutcome> {
  if (item.kind !== 'step') throw new FlightdeckError('internal', `Item ${item.id} is not a step.`);
  return EXECUTORS[item.action](run, item, context);
}
