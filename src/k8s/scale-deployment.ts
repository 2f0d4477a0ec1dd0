import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { ClusterClient } from './create-cluster-access.js';
import { type DeploymentRef, describeDeployment } from './deployment-ref.js';
import { toK8sError } from './to-k8s-error.js';

/**
 * Sets `spec.replicas` with a merge patch; sends nothing when it already has that value (idempotent).
 * Throws only FlightdeckErrors: k8s-invalid for a negative or non-integer count, else the toK8sError mapping.
 */
export async function scaleDeployment(client: ClusterClient, ref: DeploymentRef, replicas: number): Promise<{ changed: boolean }> {
  const what = describeDeployment(ref);
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new FlightdeckError('k8s-invalid', `Cannot scale ${what} to ${replicas}: replicas must be a whole number, 0 or more`);
  }
  let current: number | undefined;
  try {
    current = (await client.apps.readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace })).spec?.replicas;
  } catch (err) {
    throw toK8sError(err, 'get', what);
  }
  if (current === replicas) return { changed: false };
  try {
    await client.apps.patchNamespacedDeployment(
      { name: ref.deployment, namespace: ref.namespace, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (err) {
    throw toK8sError(err, 'patch', what);
  }
  return { changed: true };
}
