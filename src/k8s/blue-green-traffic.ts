import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { ClusterClient } from './create-cluster-access.js';
import { TRACK_LABEL } from './ensure-canary.js';
import { POD_TEMPLATE_HASH } from './pod-template.js';
import { setRouteWeights } from './set-route-weights.js';
import { readServiceSelector, type ServiceSelectorState, setServiceSelector } from './set-service-selector.js';
import { toK8sError } from './to-k8s-error.js';

/** The Services (and optional HTTPRoute) of one service's blue-green deployments. */
export interface BlueGreenRef {
  namespace: string;
  activeService: string;
  previewService: string;
  route?: string;
}

/*
 * What to switch back to is kept on the active Service itself, written in the same patch that pins it, so a
 * rollback needs one read and one write and no state from the run: the selector it had before flightdeck
 * touched it, and that selector narrowed to the old version's pods.
 */
const ORIGINAL_ANNOTATION = 'flightdeck.dev/selector';
const OLD_ANNOTATION = 'flightdeck.dev/old-selector';
const UNPINNED = { [ORIGINAL_ANNOTATION]: null, [OLD_ANNOTATION]: null };

/** The active Service's selectors while it is pinned: as it was, and narrowed to the old version's pods. */
export interface PinnedSelectors {
  original: Record<string, string>;
  old: Record<string, string>;
}

const parseSelector = (text: string | undefined): Record<string, string> | undefined => {
  if (text === undefined) return undefined;
  const value: unknown = JSON.parse(text);
  return value && typeof value === 'object' ? (value as Record<string, string>) : undefined;
};

function pinnedOf(state: ServiceSelectorState): PinnedSelectors | undefined {
  const original = parseSelector(state.annotations[ORIGINAL_ANNOTATION]);
  const old = parseSelector(state.annotations[OLD_ANNOTATION]);
  return original && old ? { original, old } : undefined;
}

/** The selector of the preview's pods: the active one's, with `track: preview`. */
function previewSelector(original: Record<string, string>): Record<string, string> {
  const { [POD_TEMPLATE_HASH]: _hash, ...rest } = original;
  return { ...rest, [TRACK_LABEL]: 'preview' };
}

const active = (ref: BlueGreenRef) => ({ namespace: ref.namespace, service: ref.activeService });
const routeOf = (ref: BlueGreenRef, route: string) => ({ namespace: ref.namespace, route, stableService: ref.activeService, canaryService: ref.previewService });

/**
 * Before a preview exists: narrows the active Service's selector to the pods of the old version's ReplicaSet
 * (`pod-template-hash: oldHash`), so the preview's pods, which carry the same app labels, get no traffic, and
 * points the preview Service at the preview's pods. A Service already pinned keeps what it recorded.
 * @throws FlightdeckError k8s-invalid when the active Service has no selector (flightdeck cannot switch it).
 */
export async function pinActiveService(client: ClusterClient, ref: BlueGreenRef, oldHash: string): Promise<PinnedSelectors> {
  const state = await readServiceSelector(client, active(ref));
  let pinned = pinnedOf(state);
  if (!pinned) {
    if (Object.keys(state.selector).length === 0) {
      throw new FlightdeckError('k8s-invalid', `service ${ref.namespace}/${ref.activeService} has no selector, so flightdeck cannot switch its traffic`, {
        remedy: 'Give the active Service a selector matching the Deployment\'s pods.',
      });
    }
    pinned = { original: state.selector, old: { ...state.selector, [POD_TEMPLATE_HASH]: oldHash } };
    await setServiceSelector(client, active(ref), state, pinned.old, {
      [ORIGINAL_ANNOTATION]: JSON.stringify(pinned.original),
      [OLD_ANNOTATION]: JSON.stringify(pinned.old),
    });
  }
  const preview = { namespace: ref.namespace, service: ref.previewService };
  await setServiceSelector(client, preview, await readServiceSelector(client, preview), previewSelector(pinned.original));
  return pinned;
}

/**
 * Sends all traffic to the preview in one write: the active Service's selector becomes the preview's, or with
 * a route the weights become 0/100. Idempotent.
 * @throws FlightdeckError k8s-invalid when the active Service was never pinned (no preview step ran).
 */
export async function switchToPreview(client: ClusterClient, ref: BlueGreenRef): Promise<{ changed: boolean }> {
  const state = await readServiceSelector(client, active(ref));
  const pinned = pinnedOf(state);
  if (!pinned) throw new FlightdeckError('k8s-invalid', `service ${ref.namespace}/${ref.activeService} was not prepared by a preview step, so there is nothing to switch to`);
  if (ref.route) return { changed: (await setRouteWeights(client, routeOf(ref, ref.route), 100)).changed };
  return setServiceSelector(client, active(ref), state, previewSelector(pinned.original));
}

/** What switchBack did: `oldGone` when the old version has no ready pod left to take the traffic. */
export interface SwitchBackResult {
  pinned: boolean;
  changed: boolean;
  oldGone?: boolean;
}

/**
 * Sends all traffic back to the old version in one write: the active Service's selector back to the old pods,
 * or with a route the weights back to 100/0. Returns false for `pinned` when the Service is not pinned (no
 * preview ever ran, or traffic was already returned): then nothing is sent. Nor is anything sent when the old
 * version's ReplicaSet has no ready pod (a promotion had begun replacing them): switching to it would leave
 * the Service with no endpoints, so traffic stays where it is until the image rollback brings them back.
 */
export async function switchBack(client: ClusterClient, ref: BlueGreenRef): Promise<SwitchBackResult> {
  const state = await readServiceSelector(client, active(ref));
  const pinned = pinnedOf(state);
  if (pinned && (await readyPods(client, ref.namespace, pinned.old)) === 0) return { pinned: true, changed: false, oldGone: true };
  if (ref.route) {
    const { changed } = await setRouteWeights(client, routeOf(ref, ref.route), 0);
    return { pinned: pinned !== undefined, changed };
  }
  if (!pinned) return { pinned: false, changed: false };
  return { pinned: true, ...(await setServiceSelector(client, active(ref), state, pinned.old)) };
}

/** Ready pods of the ReplicaSets `selector` matches (the old version's: it carries their pod-template-hash). */
async function readyPods(client: ClusterClient, namespace: string, selector: Record<string, string>): Promise<number> {
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  try {
    const { items } = await client.apps.listNamespacedReplicaSet({ namespace, labelSelector });
    return items.reduce((sum, rs) => sum + (rs.status?.readyReplicas ?? 0), 0);
  } catch (err) {
    throw toK8sError(err, 'list', `replicasets in ${namespace} matching ${labelSelector}`);
  }
}

/**
 * Gives the active Service back the selector it had before the preview step and drops the annotations, then
 * (with a route) the weights 100/0: once the active Deployment runs the version that should serve, or the
 * preview has been scaled to zero. Idempotent.
 */
export async function unpinActiveService(client: ClusterClient, ref: BlueGreenRef): Promise<{ changed: boolean }> {
  const state = await readServiceSelector(client, active(ref));
  const pinned = pinnedOf(state);
  const unpinned = pinned ? await setServiceSelector(client, active(ref), state, pinned.original, UNPINNED) : { changed: false };
  const routed = ref.route ? await setRouteWeights(client, routeOf(ref, ref.route), 0) : { changed: false };
  return { changed: unpinned.changed || routed.changed };
}
