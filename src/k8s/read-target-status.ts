import type { V1Pod } from '@kubernetes/client-node';
import type { PodSummary, TargetStatusReader } from '../probes/probe-provider.js';
import type { ClusterClient } from './create-cluster-access.js';
import type { DeploymentRef } from './deployment-ref.js';
import { rolloutStatus } from './rollout-status.js';
import { toK8sError } from './to-k8s-error.js';

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

function restartsOf(pod: V1Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((sum, status) => sum + (status.restartCount ?? 0), 0);
}

/** `matchLabels` as a label selector; expressions are not used by the Deployments flightdeck manages. */
function labelSelectorOf(matchLabels: Record<string, string> | undefined): string {
  return Object.entries(matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/**
 * The read-only view of a run's target Deployment that the k8s-pods and rollout-ready probes use. Pods are
 * those the Deployment's selector matches, minus pods already terminating (they no longer serve). Every
 * method rejects with a coded FlightdeckError (`k8s-not-found`, `k8s-forbidden`, `k8s-unavailable`…); the
 * probe turns that into outcome `error`.
 */
export function createTargetStatusReader(client: ClusterClient, ref: DeploymentRef): TargetStatusReader {
  const what = `deployments/${ref.deployment} in ${ref.namespace}`;
  async function readDeployment() {
    try {
      return await client.apps.readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace });
    } catch (err) {
      throw toK8sError(err, 'get', what);
    }
  }
  return {
    async readPods(): Promise<readonly PodSummary[]> {
      const deployment = await readDeployment();
      const labelSelector = labelSelectorOf(deployment.spec?.selector?.matchLabels);
      let pods: V1Pod[];
      try {
        pods = (await client.core.listNamespacedPod({ namespace: ref.namespace, labelSelector })).items;
      } catch (err) {
        throw toK8sError(err, 'list', `pods of ${what}`);
      }
      return pods
        .filter((pod) => !pod.metadata?.deletionTimestamp)
        .map((pod) => ({ name: pod.metadata?.name ?? '', ready: isReady(pod), restarts: restartsOf(pod) }));
    },
    async readRollout() {
      return rolloutStatus(await readDeployment());
    },
  };
}
