import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterClient } from './create-cluster-access.js';
import { toK8sError } from './to-k8s-error.js';

const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

/** The container a Job's pod runs (job-manifest.ts names it). */
export const JOB_CONTAINER = 'job';

/**
 * The Job's newest pod (a failed try is followed by a new pod), or undefined when it has none (not scheduled
 * yet, or removed with the Job by its TTL).
 *
 * @throws FlightdeckError from toK8sError when the pods cannot be listed.
 */
export async function newestJobPod(client: ClusterClient, namespace: string, jobName: string): Promise<V1Pod | undefined> {
  let pods: V1Pod[];
  try {
    pods = (await client.core.listNamespacedPod({ namespace, labelSelector: `${JOB_NAME_LABEL}=${jobName}` })).items;
  } catch (err) {
    throw toK8sError(err, 'list', `pods of job ${namespace}/${jobName}`);
  }
  return pods.sort((a, b) => (a.metadata?.creationTimestamp?.getTime() ?? 0) - (b.metadata?.creationTimestamp?.getTime() ?? 0)).at(-1);
}

/**
 * A Job pod's log as lines (`GET …/pods/{pod}/log`), the last `tailLines` of it, or its first `limitBytes` (a
 * line cut there is dropped, so a caller counting lines never counts half of one).
 *
 * @throws FlightdeckError from toK8sError: k8s-forbidden without `get` on `pods/log`, k8s-invalid while the
 *   container waits to start, k8s-not-found for a pod that is gone.
 */
export async function readJobPodLog(client: ClusterClient, o: { namespace: string; podName: string; tailLines?: number; limitBytes?: number }): Promise<string[]> {
  let text: string;
  try {
    text = String(
      await client.core.readNamespacedPodLog({
        name: o.podName,
        namespace: o.namespace,
        container: JOB_CONTAINER,
        ...(o.tailLines === undefined ? {} : { tailLines: o.tailLines }),
        ...(o.limitBytes === undefined ? {} : { limitBytes: o.limitBytes }),
      }),
    );
  } catch (err) {
    throw toK8sError(err, 'get', `log of pod ${o.namespace}/${o.podName}`);
  }
  const lines = text.split('\n');
  // Complete lines end with a newline, so the last piece is '' — or half a line `limitBytes` cut.
  lines.pop();
  return lines;
}
