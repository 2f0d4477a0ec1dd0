import { setRouteWeights } from '../../k8s/set-route-weights.js';
import { shiftPods } from './shift-pods.js';
import { assertHoldsLock, done, stableOf, type StepExecutor } from './step-context.js';
import { isReplicaMode, trafficOf } from './traffic-of.js';

/**
 * Gives the canary the step's share of the traffic: the HTTPRoute's weights (nothing is sent when it has them
 * already), or in replica mode the pod counts behind the one Service (shiftPods).
 */
export const trafficStep: StepExecutor<'traffic'> = async (run, item, context) => {
  const traffic = trafficOf(run);
  if (isReplicaMode(traffic)) return done(await shiftPods(run, item, traffic, context));
  const { client } = stableOf(run, context);
  await assertHoldsLock(run, context);
  const result = await setRouteWeights(client, traffic, item.weight);
  return done(`${traffic.route}: ${result.canaryWeight}% to ${traffic.canaryService}, ${result.stableWeight}% to ${traffic.stableService}`);
};
