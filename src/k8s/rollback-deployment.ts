import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { ClusterClient } from './create-cluster-access.js';
import { CHANGE_CAUSE_ANNOTATION, type ContainerRef, REVISION_ANNOTATION, describeDeployment, toPlainJson } from './deployment-ref.js';
import { readRevisionHistory } from './list-revisions.js';
import { sameTemplate, withoutHash } from './pod-template.js';
import { toK8sError } from './to-k8s-error.js';

/** What to roll back to: a recorded pod template (e.g. a DeploymentSnapshot's) or a revision number. */
export type RollbackTarget = { template: Record<string, unknown>; changeCause?: string } | { revision: number };

export interface RollbackResult {
  /** False when the Deployment already ran the target template, so nothing was sent. */
  changed: boolean;
  /** The revision rolled back to, when the target was a revision. */
  revision?: number;
  /** `metadata.generation` after the patch (or as found). */
  generation: number;
}

/** Deployment annotations the controller owns; kubectl keeps the Deployment's own values of these on undo. */
const KEEP_FROM_DEPLOYMENT = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/**
 * Restores a pod template the way `kubectl rollout undo [--to-revision=N]` does: refuses a paused Deployment,
 * then one JSON patch replacing `/spec/template` and `/metadata/annotations` (controller-owned annotations
 * kept from the Deployment, the rest taken from the revision's ReplicaSet — so its change-cause comes back).
 * The patch carries the resourceVersion read, so a concurrent write makes it fail with k8s-conflict and the
 * caller re-runs it. Idempotent: when the template already matches, nothing is sent.
 *
 * Throws only FlightdeckErrors: k8s-invalid (paused Deployment), k8s-not-found (no such Deployment, or no
 * such revision — the message lists the revisions that exist), and the toK8sError mapping.
 */
export async function rollbackDeployment(client: ClusterClient, ref: ContainerRef, target: RollbackTarget): Promise<RollbackResult> {
  const what = describeDeployment(ref);
  const { deployment, revisions } = await readRevisionHistory(client, ref);
  const generation = deployment.metadata?.generation ?? 0;
  if (deployment.spec?.paused) {
    throw new FlightdeckError('k8s-invalid', `Cannot roll back ${what}: it is paused`, {
      remedy: `Resume it first (kubectl rollout resume deployment/${ref.deployment} -n ${ref.namespace}), then roll back.`,
    });
  }
  const current = deployment.metadata?.annotations ?? {};
  let template: Record<string, unknown>;
  let annotations: Record<string, string>;
  if ('revision' in target) {
    const found = revisions.find((r) => r.revision === target.revision);
    if (!found) {
      const known = revisions.map((r) => r.revision).join(', ') || '(none)';
      throw new FlightdeckError('k8s-not-found', `${what} has no revision ${target.revision}; its revisions are: ${known}`, {
        remedy: 'Pick a revision that kubectl rollout history lists.',
      });
    }
    template = found.template;
    annotations = Object.fromEntries(Object.entries(current).filter(([k]) => KEEP_FROM_DEPLOYMENT.has(k)));
    for (const [k, v] of Object.entries(found.annotations)) if (!KEEP_FROM_DEPLOYMENT.has(k)) annotations[k] = v;
  } else {
    template = withoutHash(target.template);
    annotations = { ...current };
    if (target.changeCause !== undefined) annotations[CHANGE_CAUSE_ANNOTATION] = target.changeCause;
  }
  const revision = 'revision' in target ? { revision: target.revision } : {};
  if (sameTemplate(toPlainJson(deployment.spec?.template), template)) return { changed: false, generation, ...revision };

  const body = [
    { op: 'replace', path: '/metadata/resourceVersion', value: deployment.metadata?.resourceVersion },
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'add', path: '/metadata/annotations', value: annotations },
  ];
  try {
    // client-node's default patch Content-Type is application/json-patch+json, which this body is.
    const patched = await client.apps.patchNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace, body });
    return { changed: true, generation: patched.metadata?.generation ?? 0, ...revision };
  } catch (err) {
    throw toK8sError(err, 'patch', what);
  }
}
