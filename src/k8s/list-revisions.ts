import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import type { ClusterClient } from './create-cluster-access.js';
import { CHANGE_CAUSE_ANNOTATION, type ContainerRef, REVISION_ANNOTATION, describeDeployment, toPlainJson } from './deployment-ref.js';
import { POD_TEMPLATE_HASH, withoutHash } from './pod-template.js';
import { toK8sError } from './to-k8s-error.js';

/** One row of `kubectl rollout history deployment/<name>`. */
export interface Revision {
  revision: number;
  /** The ReplicaSet's `kubernetes.io/change-cause` (kubectl prints `<none>` when absent). */
  changeCause?: string;
  /** Image of the named container in this revision ('' when the template has no such container). */
  image: string;
  /** The pod template without `pod-template-hash`: what `rollout undo --to-revision` restores. */
  template: Record<string, unknown>;
  replicaSet: string;
  /** The ReplicaSet's `pod-template-hash` label: a Service selector with it selects only this revision's pods. */
  podTemplateHash?: string;
  /** The ReplicaSet's annotations (rollback copies the non-controller ones back onto the Deployment). */
  annotations: Record<string, string>;
}

/** The Deployment plus its revisions, oldest first, read the way `kubectl rollout history` reads them. */
export interface RevisionHistory {
  deployment: V1Deployment;
  revisions: Revision[];
}

/**
 * Reads a Deployment's revisions from the ReplicaSets it controls: listed by the Deployment's selector, kept
 * only when their controller ownerReference is the Deployment's uid, numbered by the
 * `deployment.kubernetes.io/revision` annotation, sorted ascending (kubectl rollout history).
 * Throws only FlightdeckErrors (toK8sError mapping: k8s-not-found, k8s-forbidden, k8s-unavailable, …).
 */
export async function readRevisionHistory(client: ClusterClient, ref: ContainerRef): Promise<RevisionHistory> {
  const what = describeDeployment(ref);
  let deployment: V1Deployment;
  try {
    deployment = await client.apps.readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace });
  } catch (err) {
    throw toK8sError(err, 'get', what);
  }
  const labelSelector = Object.entries(deployment.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  let items: V1ReplicaSet[];
  try {
    items = (await client.apps.listNamespacedReplicaSet({ namespace: ref.namespace, labelSelector })).items;
  } catch (err) {
    throw toK8sError(err, 'list', `replicasets of ${what}`);
  }
  const uid = deployment.metadata?.uid;
  const revisions = items
    .filter((rs) => (rs.metadata?.ownerReferences ?? []).some((o) => o.controller && o.uid === uid))
    .map((rs): Revision => {
      const annotations = rs.metadata?.annotations ?? {};
      const template = withoutHash(toPlainJson(rs.spec?.template));
      const container = rs.spec?.template?.spec?.containers.find((c) => c.name === ref.container);
      const changeCause = annotations[CHANGE_CAUSE_ANNOTATION];
      const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH];
      return {
        revision: Number(annotations[REVISION_ANNOTATION] ?? 0),
        ...(changeCause === undefined ? {} : { changeCause }),
        image: container?.image ?? '',
        template,
        replicaSet: rs.metadata?.name ?? '',
        ...(hash === undefined ? {} : { podTemplateHash: hash }),
        annotations: { ...annotations },
      };
    })
    .filter((r) => Number.isInteger(r.revision) && r.revision > 0)
    .sort((a, b) => a.revision - b.revision);
  return { deployment, revisions };
}

/** `kubectl rollout history` as data: the revisions of the Deployment, oldest first. Throws like readRevisionHistory. */
export async function listRevisions(client: ClusterClient, ref: ContainerRef): Promise<Revision[]> {
  return (await readRevisionHistory(client, ref)).revisions;
}
