import { PatchStrategy, type V1Deployment, setHeaderOptions } from '@kubernetes/client-node';
import type { ClusterClient } from './create-cluster-access.js';
import { type ContainerRef, describeDeployment, toPlainJson } from './deployment-ref.js';
import { diffFields, type FieldChange } from './diff-fields.js';
import { canaryManifest, canaryName, readOptional } from './ensure-canary.js';
import { imagePatch } from './set-image.js';
import { HTTPROUTE_GROUP, type RouteRef, readRoute, weightedRules } from './set-route-weights.js';
import { toK8sError } from './to-k8s-error.js';

/** The server-side dry-run directive; the only value kube-apiserver accepts. */
const DRY_RUN_ALL = 'All';

/** What a run's checklist would write, as the steps that write it say. */
export interface PlannedWrites {
  ref: ContainerRef;
  image: string;
  changeCause: string;
  /** Whether a set-image step points the stable Deployment at `image`. */
  setsImage: boolean;
  /** The replicas of the canary a canary step makes (`match-stable`: the stable's); absent without a canary step. */
  canaryReplicas?: number | 'match-stable';
  /** The route traffic steps shift, and each step's canary percentage in checklist order. */
  traffic?: { route: RouteRef; weights: readonly number[] };
}

/** One object a run would write, and the fields that would change. */
export interface DryRunWrite {
  kind: 'Deployment' | 'HTTPRoute';
  /** `namespace/name`. */
  name: string;
  verb: 'patch' | 'create';
  /** The step that writes it: `set-image`, `canary`, `traffic 10%`. */
  step: string;
  changes: FieldChange[];
}

/**
 * Sends every write the run would make with `dryRun=All`, so the API server checks each as it would the real
 * one (RBAC for the same verb, admission, validation) and answers with the object as it would be, storing
 * nothing; each answer is compared with the stored object. Each write is tried against the cluster as it is now
 * (a traffic step's weights, not the result of the steps before it), which is what a dry run can know.
 *
 * Throws only FlightdeckErrors, the toK8sError mapping of the first write the server refused (k8s-forbidden
 * names the verb the run lacks; k8s-invalid what validation refused).
 */
export async function dryRunWrites(client: ClusterClient, planned: PlannedWrites): Promise<DryRunWrite[]> {
  const { ref } = planned;
  const writes: DryRunWrite[] = [];
  let stable: V1Deployment;
  try {
    stable = await client.apps.readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace });
  } catch (err) {
    throw toK8sError(err, 'get', describeDeployment(ref));
  }
  const smp = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
  if (planned.setsImage) {
    let answer: V1Deployment;
    try {
      answer = await client.apps.patchNamespacedDeployment(
        { name: ref.deployment, namespace: ref.namespace, body: imagePatch(ref, planned.image, planned.changeCause), dryRun: DRY_RUN_ALL },
        smp,
      );
    } catch (err) {
      throw toK8sError(err, 'patch', describeDeployment(ref));
    }
    writes.push({ kind: 'Deployment', name: `${ref.namespace}/${ref.deployment}`, verb: 'patch', step: 'set-image', changes: diffFields('Deployment', toPlainJson(stable), toPlainJson(answer)) });
  }
  if (planned.canaryReplicas !== undefined) {
    const replicas = planned.canaryReplicas === 'match-stable' ? (stable.spec?.replicas ?? 1) : planned.canaryReplicas;
    writes.push(await dryRunCanary(client, ref, stable, planned.image, replicas));
  }
  if (planned.traffic) {
    const { route: routeRef, weights } = planned.traffic;
    const route = await readRoute(client, routeRef);
    const what = `httproute ${routeRef.namespace}/${routeRef.route}`;
    for (const weight of weights) {
      const { rules } = weightedRules(route, routeRef, weight);
      let answer: unknown;
      try {
        answer = await client.custom.patchNamespacedCustomObject(
          { ...HTTPROUTE_GROUP, namespace: routeRef.namespace, name: routeRef.route, body: { metadata: { resourceVersion: route.metadata.resourceVersion }, spec: { rules } }, dryRun: DRY_RUN_ALL },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (err) {
        throw toK8sError(err, 'patch', what);
      }
      writes.push({ kind: 'HTTPRoute', name: `${routeRef.namespace}/${routeRef.route}`, verb: 'patch', step: `traffic ${weight}%`, changes: diffFields('HTTPRoute', route, answer) });
    }
  }
  return writes;
}

/** The canary step's write: a create when there is no canary yet, else the patch of its image and replicas. */
async function dryRunCanary(client: ClusterClient, ref: ContainerRef, stable: V1Deployment, image: string, replicas: number): Promise<DryRunWrite> {
  const name = canaryName(ref.deployment);
  const canaryRef = { ...ref, deployment: name };
  const existing = await readOptional(client, canaryRef);
  const base = { kind: 'Deployment' as const, name: `${ref.namespace}/${name}`, step: 'canary' };
  try {
    if (!existing) {
      const answer = await client.apps.createNamespacedDeployment({ namespace: ref.namespace, body: canaryManifest(stable, ref, image, replicas), dryRun: DRY_RUN_ALL });
      return { ...base, verb: 'create', changes: diffFields('Deployment', undefined, toPlainJson(answer)) };
    }
    const body = { spec: { replicas, template: { spec: { containers: [{ name: ref.container, image }] } } } };
    const answer = await client.apps.patchNamespacedDeployment(
      { name, namespace: ref.namespace, body, dryRun: DRY_RUN_ALL },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    return { ...base, verb: 'patch', changes: diffFields('Deployment', toPlainJson(existing), toPlainJson(answer)) };
  } catch (err) {
    throw toK8sError(err, existing ? 'patch' : 'create', describeDeployment(canaryRef));
  }
}
