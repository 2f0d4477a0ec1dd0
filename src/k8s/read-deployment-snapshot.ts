import type { V1Deployment } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { ClusterClient } from './create-cluster-access.js';
import { CHANGE_CAUSE_ANNOTATION, type ContainerRef, REVISION_ANNOTATION, describeDeployment, toPlainJson } from './deployment-ref.js';
import { toK8sError } from './to-k8s-error.js';

/** What a Deployment runs now: the rollback target recorded before any change. */
export interface DeploymentSnapshot {
  /** The `deployment.kubernetes.io/revision` annotation ('' if the controller has not set one yet). */
  revision: string;
  /** The image of the named container. */
  image: string;
  /** `spec.template` as plain JSON, ready to be restored verbatim. */
  template: Record<string, unknown>;
  generation: number;
  changeCause?: string;
}

/** Finds a container by name; throws k8s-invalid naming the containers that do exist. */
export function findContainer(d: V1Deployment, ref: ContainerRef): { name: string; image?: string } {
  const containers = d.spec?.template?.spec?.containers ?? [];
  const found = containers.find((c) => c.name === ref.container);
  if (!found) {
    const names = containers.map((c) => c.name).join(', ') || '(none)';
    throw new FlightdeckError('k8s-invalid', `${describeDeployment(ref)} has no container "${ref.container}"; its containers are: ${names}`, {
      remedy: 'Fix the container name in the service catalog.',
    });
  }
  return found;
}

/**
 * Reads the Deployment and records its revision, container image and pod template.
 * Throws only FlightdeckErrors: k8s-not-found, k8s-forbidden, k8s-unavailable (see toK8sError), and
 * k8s-invalid when the container does not exist.
 */
export async function readDeploymentSnapshot(client: ClusterClient, ref: ContainerRef): Promise<DeploymentSnapshot> {
  let d: V1Deployment;
  try {
    d = await client.apps.readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace });
  } catch (err) {
    throw toK8sError(err, 'get', describeDeployment(ref));
  }
  const container = findContainer(d, ref);
  const annotations = d.metadata?.annotations ?? {};
  const changeCause = annotations[CHANGE_CAUSE_ANNOTATION];
  return {
    revision: annotations[REVISION_ANNOTATION] ?? '',
    image: container.image ?? '',
    template: toPlainJson(d.spec?.template),
    generation: d.metadata?.generation ?? 0,
    ...(changeCause === undefined ? {} : { changeCause }),
  };
}
