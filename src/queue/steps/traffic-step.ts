import { setRouteWeights } from '../../k8s/set-route-weights.js';
import { routeOf } from './route-of.js';
import { assertHoldsLock, done, stableOf, type StepExecutor } from './step-context.js';

/** Gives the canary the step's share of the HTTPRoute's traffic; nothing is sent when it has it already. */
export const trafficStep: StepExecutor<'traffic'> = async (run, item, context) => {
  const { client } = stableOf(run, context);
  const route = routeOf(run);
  await assertHoldsLock(run, context);
  const result = await setRouteWeights(client, route, item.weight);
  return done(`${route.route}: ${result.canaryWeight}% to ${route.canaryService}, ${result.stableWeight}% to ${route.stableService}`);
};
