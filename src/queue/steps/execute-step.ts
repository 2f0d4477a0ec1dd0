import { FlightdeckError } from '../../errors/flightdeck-error.js';
import type { Run, RunItem } from '../../run/core/run-schema.js';
import { bakeStep } from './bake-step.js';
import { canaryStep } from './canary-step.js';
import { jobStep } from './job-step.js';
import { previewStep } from './preview-step.js';
import { promoteStep } from './promote-step.js';
import { restoreTrafficStep } from './restore-traffic-step.js';
import { rollbackStep } from './rollback-step.js';
import { scaleDownStep } from './scale-down-step.js';
import { setImageStep } from './set-image-step.js';
import { smokeJobStep } from './smoke-job-step.js';
import type { StepContext, StepOutcome } from './step-context.js';
import { retirePreviewStep, switchBackStep } from './switch-back-step.js';
import { switchStep } from './switch-step.js';
import { trafficStep } from './traffic-step.js';
import { waitRolloutStep } from './wait-rollout-step.js';

/**
 * Performs one step. Every executor converges when run again (after a crash or a retry): the rollback
 * target is recorded once, patches are skipped when the cluster already carries them, waits watch again.
 * Each action's executor gets its own item type, narrowed here, so the fields it reads are there by type.
 *
 * @throws FlightdeckError from the executor; `internal` when the item is not a step.
 */
export async function executeStep(run: Run, item: RunItem, context: StepContext): Promise<StepOutcome> {
  if (item.kind !== 'step') throw new FlightdeckError('internal', `Item ${item.id} is not a step.`);
  switch (item.action) {
    case 'set-image':
      return setImageStep(run, item, context);
    case 'wait-rollout':
      return waitRolloutStep(run, item, context);
    case 'canary':
      return canaryStep(run, item, context);
    case 'traffic':
      return trafficStep(run, item, context);
    case 'bake':
      return bakeStep(run, item, context);
    case 'promote':
      return promoteStep(run, item, context);
    case 'smoke-job':
      return smokeJobStep(run, item, context);
    case 'job':
      return jobStep(run, item, context);
    case 'preview':
      return previewStep(run, item, context);
    case 'switch':
      return switchStep(run, item, context);
    case 'scale-down':
      return scaleDownStep(run, item, context);
    case 'switch-back':
      return switchBackStep(run, item, context);
    case 'retire-preview':
      return retirePreviewStep(run, item, context);
    case 'restore-traffic':
      return restoreTrafficStep(run, item, context);
    case 'rollback':
      return rollbackStep(run, item, context);
  }
}
