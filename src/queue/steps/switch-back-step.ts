import { switchBack, unpinActiveService } from '../../k8s/blue-green-traffic.js';
import { blueGreenOf } from './blue-green-of.js';
import { scalePreviewDown } from './scale-preview-down.js';
import { assertHoldsLock, done, stableOf, type StepExecutor } from './step-context.js';

/**
 * First step of a rollback of a blue-green run: traffic back on the old version's pods, kept scaled for exactly
 * this, in one write and before anything else. Alone in its step, so the step's end is when traffic was back.
 */
export const switchBackStep: StepExecutor<'switch-back'> = async (run, _item, context) => {
  const { client } = stableOf(run, context);
  const blueGreen = blueGreenOf(run);
  await assertHoldsLock(run, context);
  const back = await switchBack(client, blueGreen);
  if (back.oldGone) return done(`${run.target.deployment}'s old pods were already being replaced by the promotion: traffic stays until the rollback restores them`);
  if (!back.pinned && !back.changed) return done(`${blueGreen.activeService} was not switched: traffic already on ${run.target.deployment}`);
  return done(`Traffic back on ${run.target.deployment}${back.changed ? '' : ' (already)'}`);
};

/**
 * After the switch back: the preview scaled to zero, and only then the active Service's own selector back
 * (which would also match the preview's pods). Each part converges on re-run.
 */
export const retirePreviewStep: StepExecutor<'retire-preview'> = async (run, _item, context) => {
  const { client } = stableOf(run, context);
  const blueGreen = blueGreenOf(run);
  await assertHoldsLock(run, context);
  const preview = await scalePreviewDown(run, client);
  await assertHoldsLock(run, context);
  const unpinned = await unpinActiveService(client, blueGreen);
  return done(`${preview}; ${blueGreen.activeService} selects ${run.target.deployment}'s pods${unpinned.changed ? ' again' : ' (already)'}`);
};
