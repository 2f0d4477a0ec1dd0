import type { KObject } from '../../sandbox/kubernetes/index.js';

/**
 * What `kubectl rollout status` calls success: the controller has seen the latest spec, every replica runs it
 * and is available, and no old replica is left.
 */
export function rolloutComplete(deployment: KObject): boolean {
  const spec = deployment.spec as { replicas?: number } | undefined;
  const status = (deployment.status ?? {}) as { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
  const generation = (deployment.metadata as { generation?: number } | undefined)?.generation ?? 0;
  const wanted = spec?.replicas ?? 1;
  return (
    (status.observedGeneration ?? 0) >= generation &&
    status.updatedReplicas === wanted &&
    status.replicas === wanted &&
    status.availableReplicas === wanted
  );
}
