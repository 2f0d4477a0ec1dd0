import { switchBack, unpinActiveService } from '../../k8s/blue-green-traffic.js';
import { blueGreenOf } from './blue-green-of.js';
import { scalePreviewDown } from './scale-preview-down.js';
import { assertHoldsLock, done, stableOf, type StepExecutor } from './step-context.js';

/**
 * First step of a rollback of a blue-green run. Traffic goes back to the old version's pods before anything
 * else, in one write, since the old version was kept scaled for exactly this; then the preview is scaled to
 * zero, and only then the active Service gets its own selector back (which would also match preview pods).
 * Each part converges on re-run.
 */
export const switchBackStep: StepExecutor<'switch-back'> = async (run, _item, context) => {
  const { client } = stableOf(run, context);
  const blueGreen = blueGreenOf(run);
  await assertHoldsLock(run, context);
  const back = await switchBack(client, blueGreen);
  const traffic = back.changed ? `traffic back on ${run.target.deployment}` : `traffic already on ${run.target.deployment}`;
  await assertHoldsLock(run, context);
  const preview = await scalePreviewDown(run, client);
  await assertHoldsLock(run, context);
  await unpinActiveService(client, blueGreen);
  return done(`${traffic}; ${preview}; ${blueGreen.activeService} selects ${run.target.deployment}'s pods again`);
};
