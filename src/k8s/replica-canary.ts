import { PatchStrategy, type V1Deployment, setHeaderOptions } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { ClusterClient } from './create-cluster-access.js';
import { type DeploymentRef, describeDeployment } from './deployment-ref.js';
import { readOptional, TRACK_LABEL } from './ensure-canary.js';
import { readServiceSelector } from './set-service-selector.js';
import { toK8sError } from './to-k8s-error.js';

/*
 * Replica mode keeps what it must return to on the canary Deployment itself, so every step needs only reads of
 * the cluster, whichever worker runs it and however often: the stable's replica count before the run scaled
 * it, and the run that recorded it (a canary left scaled to zero by an earlier run is adopted afresh).
 */
const STABLE_REPLICAS_ANNOTATION = 'flightdeck.dev/stable-replicas';
const RECORDED_BY_ANNOTATION = 'flightdeck.dev/stable-replicas-run';

/** The stable's replicas now and the canary's (0 when it does not exist), and what the canary recorded. */
export interface ReplicaState {
  canary: V1Deployment | undefined;
  stable: V1Deployment;
  /** The stable's replicas before the run scaled it, as recorded on the canary (by `runRef` when given). */
  recorded: number | undefined;
  pods: { stable: number; canary: number };
}

/** Reads the stable Deployment and its canary. Throws only FlightdeckErrors (toK8sError mapping). */
export async function readReplicaState(client: ClusterClient, stableRef: DeploymentRef, canaryRef: DeploymentRef, runRef?: string): Promise<ReplicaState> {
  let stable: V1Deployment;
  try {
    stable = await client.apps.readNamespacedDeployment({ name: stableRef.deployment, namespace: stableRef.namespace });
  } catch (err) {
    throw toK8sError(err, 'get', describeDeployment(stableRef));
  }
  const canary = await readOptional(client, canaryRef);
  return {
    canary,
    stable,
    recorded: canary ? recordedStableReplicas(canary, runRef) : undefined,
    pods: { stable: stable.spec?.replicas ?? 0, canary: canary?.spec?.replicas ?? 0 },
  };
}

/** The annotations that record `stableReplicas` for run `runRef`, for a canary about to be created. */
export function stableReplicasAnnotations(stableReplicas: number, runRef: string): Record<string, string> {
  return { [STABLE_REPLICAS_ANNOTATION]: String(stableReplicas), [RECORDED_BY_ANNOTATION]: runRef };
}

/** The stable's replica count recorded on the canary, by `runRef` when given; undefined when there is none. */
export function recordedStableReplicas(canary: V1Deployment, runRef?: string): number | undefined {
  const annotations = canary.metadata?.annotations ?? {};
  if (runRef !== undefined && annotations[RECORDED_BY_ANNOTATION] !== runRef) return undefined;
  const value = Number(annotations[STABLE_REPLICAS_ANNOTATION]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * Records `stableReplicas` for run `runRef` on an existing canary (merge patch of two annotations; nothing is
 * sent when they are there already). Throws only FlightdeckErrors (toK8sError mapping).
 */
export async function recordStableReplicas(client: ClusterClient, canary: V1Deployment, ref: DeploymentRef, stableReplicas: number, runRef: string): Promise<void> {
  if (recordedStableReplicas(canary, runRef) === stableReplicas) return;
  try {
    await client.apps.patchNamespacedDeployment(
      { name: ref.deployment, namespace: ref.namespace, body: { metadata: { annotations: stableReplicasAnnotations(stableReplicas, runRef) } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (err) {
    throw toK8sError(err, 'patch', describeDeployment(ref));
  }
}

/**
 * Makes sure the one Service selects the stable's pods and would select the canary's (the stable's pod labels
 * plus `track: canary`): otherwise the pod counts would say nothing about where the traffic goes.
 * @throws FlightdeckError k8s-invalid naming the Service's selector; else the toK8sError mapping.
 */
export async function assertServiceSelectsBoth(client: ClusterClient, namespace: string, service: string, stableLabels: Record<string, string>): Promise<void> {
  const { selector } = await readServiceSelector(client, { namespace, service });
  const selects = (labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);
  // An empty selector selects nothing: its endpoints are managed by hand.
  if (Object.keys(selector).length > 0 && selects(stableLabels) && selects({ ...stableLabels, [TRACK_LABEL]: 'canary' })) return;
  const shown = Object.entries(selector).map(([key, value]) => `${key}=${value}`).join(',') || '(none)';
  throw new FlightdeckError('k8s-invalid', `service ${namespace}/${service} (selector ${shown}) does not select both the stable and the canary pods, so their pod counts cannot split its traffic`, {
    remedy: `Give the Service a selector that the stable's pod labels match without ${TRACK_LABEL} (the canary's pods carry ${TRACK_LABEL}=canary), or use an HTTPRoute: traffic: { route, stableService, canaryService }.`,
  });
}
