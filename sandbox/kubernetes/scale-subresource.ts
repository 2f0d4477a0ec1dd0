import { applyPatch } from './apply-patch.js';
import type { KObject } from './object-store.js';
import { renderMatchLabels } from './selectors.js';
import { badRequest, invalid } from './status-error.js';

/** The `autoscaling/v1` Scale a Deployment's `/scale` subresource shows. */
export function scaleOf(d: KObject): KObject {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: d.metadata.name,
      namespace: d.metadata.namespace,
      uid: d.metadata.uid,
      resourceVersion: d.metadata.resourceVersion,
      creationTimestamp: d.metadata.creationTimestamp,
    },
    spec: { replicas: Number(d.spec?.replicas ?? 1) },
    status: { replicas: Number(d.status?.replicas ?? 0), selector: renderMatchLabels(d.spec?.selector?.matchLabels) },
  };
}

/**
 * The Deployment after a PATCH or PUT of its Scale (what `kubectl scale` sends): only `spec.replicas` moves.
 * Throws 400/422 like the real server for a body that is not a Scale or a negative count.
 */
export function scaledDeployment(d: KObject, method: string, contentType: string, body: unknown): KObject {
  if (body === null || typeof body !== 'object') throw badRequest('the request body must be a JSON object or array');
  const scale = method === 'PATCH' ? applyPatch(scaleOf(d), contentType, body) : (body as KObject);
  const replicas = scale.spec?.replicas ?? 0;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw invalid('Scale', String(d.metadata.name), 'spec.replicas', `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, 'FieldValueInvalid', 'autoscaling');
  }
  const sentRv = scale.metadata?.resourceVersion;
  const next = structuredClone(d);
  next.spec.replicas = replicas;
  if (sentRv !== undefined && sentRv !== '') next.metadata.resourceVersion = sentRv;
  else delete next.metadata.resourceVersion;
  return next;
}
