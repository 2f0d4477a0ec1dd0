import type { ClusterClient } from '../../k8s/create-cluster-access.js';
import { canaryName } from '../../k8s/ensure-canary.js';
import { scaleDeployment } from '../../k8s/scale-deployment.js';
import { setRouteWeights } from '../../k8s/set-route-weights.js';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import type { Run } from '../../run/core/run-schema.js';
import { isReplicaMode, trafficOf } from './traffic-of.js';

/**
 * Sends all traffic to stable (100/0), then scales the canary to zero: the order matters, so no request is
 * routed to pods that are going away. A canary that does not exist is already scaled down. Idempotent. (Replica
 * mode returns its pods with returnPodsToStable instead.)
 * Returns what it did, for the step's detail line.
 */
export async function returnTrafficToStable(run: Run, client: ClusterClient): Promise<string> {
  const parts: string[] = [];
  const route = run.target.traffic ? trafficOf(run) : undefined;
  if (route && !isReplicaMode(route)) {
    const result = await setRouteWeights(client, route, 0);
    parts.push(`${route.route}: 100% to ${route.stableService}${result.changed ? '' : ' (already)'}`);
  }
  const canary = canaryName(run.target.deployment);
  try {
    const scaled = await scaleDeployment(client, { namespace: run.target.namespace, deployment: canary }, 0);
    parts.push(`${canary} scaled to 0${scaled.changed ? '' : ' (already)'}`);
  } catch (err) {
    if (!isFlightdeckError(err) || err.code !== 'k8s-not-found') throw err;
    parts.push(`no ${canary} to scale down`);
  }
  return parts.join('; ');
}
