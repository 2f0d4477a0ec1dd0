import { switchToPreview } from '../../k8s/blue-green-traffic.js';
import { previewName } from '../../k8s/ensure-canary.js';
import { blueGreenOf } from './blue-green-of.js';
import { assertHoldsLock, done, stableOf, type StepExecutor } from './step-context.js';

/** Blue-green: all traffic to the preview in one write (the active Service's selector, or the route's weights). */
export const switchStep: StepExecutor<'switch'> = async (run, _item, context) => {
  const { client } = stableOf(run, context);
  const blueGreen = blueGreenOf(run);
  await assertHoldsLock(run, context);
  const { changed } = await switchToPreview(client, blueGreen);
  const how = blueGreen.route ? `${blueGreen.route}: 100% to ${blueGreen.previewService}` : `${blueGreen.activeService} now selects the preview's pods`;
  return done(`All traffic on ${previewName(run.target.deployment)} (${how})${changed ? '' : ' (already)'}`);
};
