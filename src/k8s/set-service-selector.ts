import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ClusterClient } from './create-cluster-access.js';
import { toK8sError } from './to-k8s-error.js';

/** Names one Service. */
export interface ServiceRef {
  namespace: string;
  service: string;
}

/** A Service's selector and annotations as read, with the resourceVersion a patch must carry. */
export interface ServiceSelectorState {
  selector: Record<string, string>;
  annotations: Record<string, string>;
  resourceVersion: string | undefined;
}

const describeService = (ref: ServiceRef) => `service ${ref.namespace}/${ref.service}`;

/** Reads the Service's selector and annotations. Throws only FlightdeckErrors (toK8sError mapping). */
export async function readServiceSelector(client: ClusterClient, ref: ServiceRef): Promise<ServiceSelectorState> {
  try {
    const service = await client.core.readNamespacedService({ name: ref.service, namespace: ref.namespace });
    return { selector: { ...service.spec?.selector }, annotations: { ...service.metadata?.annotations }, resourceVersion: service.metadata?.resourceVersion };
  } catch (err) {
    throw toK8sError(err, 'get', describeService(ref));
  }
}

const sameMap = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/**
 * Gives the Service exactly `selector` and sets (a string) or removes (null) the named annotations, in one merge
 * patch carrying the resourceVersion of `current`: the selector changes in a single write, so traffic moves in
 * one step, and a concurrent edit fails with k8s-conflict for the step to retry. Merge patch merges maps, so a
 * selector key that must go is sent as null. Idempotent: nothing is sent when the Service already matches.
 * Throws only FlightdeckErrors (toK8sError mapping).
 */
export async function setServiceSelector(
  client: ClusterClient,
  ref: ServiceRef,
  current: ServiceSelectorState,
  selector: Record<string, string>,
  annotations: Record<string, string | null> = {},
): Promise<{ changed: boolean }> {
  const annotationsMatch = Object.entries(annotations).every(([k, v]) => (v === null ? !(k in current.annotations) : current.annotations[k] === v));
  if (sameMap(current.selector, selector) && annotationsMatch) return { changed: false };
  const selectorPatch: Record<string, string | null> = { ...selector };
  for (const key of Object.keys(current.selector)) if (!(key in selector)) selectorPatch[key] = null;
  try {
    await client.core.patchNamespacedService(
      {
        name: ref.service,
        namespace: ref.namespace,
        body: { metadata: { resourceVersion: current.resourceVersion, annotations }, spec: { selector: selectorPatch } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (err) {
    throw toK8sError(err, 'patch', describeService(ref));
  }
  return { changed: true };
}
