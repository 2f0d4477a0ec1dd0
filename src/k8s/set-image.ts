import { PatchStrategy, type V1Deployment, setHeaderOptions } from '@kubernetes/client-node';
import type { ClusterClient } from './create-cluster-access.js';
import { CHANGE_CAUSE_ANNOTATION, type ContainerRef, describeDeployment } from './deployment-ref.js';
import { findContainer } from './read-deployment-snapshot.js';
import { toK8sError } from './to-k8s-error.js';

export interface SetImageResult {
  /** `metadata.generation` after the patch (or as found, when nothing needed changing). */
  generation: number;
  /** False when the container already ran `image` with this change-cause, so no patch was sent. */
  changed: boolean;
}

/**
 * Points one container at `image` and records `changeCause` in `kubernetes.io/change-cause`, in a single
 * strategic-merge patch like `kubectl set image` + `kubectl annotate`. Idempotent: a re-run after a crash
 * sends nothing when both already match, so it never creates a second revision.
 * Throws only FlightdeckErrors (toK8sError mapping; k8s-invalid when the container does not exist).
 */
export async function setImage(client: ClusterClient, ref: ContainerRef, image: string, changeCause: string): Promise<SetImageResult> {
  const what = describeDeployment(ref);
  let current: V1Deployment;
  try {
    current = await client.apps.readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace });
  } catch (err) {
    throw toK8sError(err, 'get', what);
  }
  const container = findContainer(current, ref);
  if (container.image === image && current.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION] === changeCause) {
    return { generation: current.metadata?.generation ?? 0, changed: false };
  }
  try {
    const patched = await client.apps.patchNamespacedDeployment(
      { name: ref.deployment, namespace: ref.namespace, body: imagePatch(ref, image, changeCause) },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    return { generation: patched.metadata?.generation ?? 0, changed: true };
  } catch (err) {
    throw toK8sError(err, 'patch', what);
  }
}

/** The strategic-merge patch of a set-image: the container's image and the change-cause, nothing else. */
export function imagePatch(ref: ContainerRef, image: string, changeCause: string): object {
  return {
    metadata: { annotations: { [CHANGE_CAUSE_ANNOTATION]: changeCause } },
    spec: { template: { spec: { containers: [{ name: ref.container, image }] } } },
  };
}
