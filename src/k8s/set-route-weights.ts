import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { z } from 'zod';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { ClusterClient } from './create-cluster-access.js';
import { toK8sError } from './to-k8s-error.js';

/** The HTTPRoute whose rules split traffic between a stable and a canary Service. */
export interface RouteRef {
  namespace: string;
  route: string;
  stableService: string;
  canaryService: string;
}

export interface RouteWeightsResult {
  /** False when every rule already had these weights, so nothing was sent. */
  changed: boolean;
  stableWeight: number;
  canaryWeight: number;
}

/** Where Gateway API HTTPRoutes are served. */
export const HTTPROUTE_GROUP = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;

const backendRef = z.looseObject({ name: z.string(), port: z.number().optional(), weight: z.number().optional() });
const httpRoute = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string().optional() }),
  spec: z.looseObject({ rules: z.array(z.looseObject({ backendRefs: z.array(backendRef).optional() })).default([]) }),
});

/**
 * Gives the canary Service `canaryPercent` and the stable Service the rest in every rule of the HTTPRoute that
 * routes to either of them (a rule without the canary gets it added on the stable backend's port). One merge
 * patch of `spec.rules` (merge patch replaces lists whole; HTTPRoute is a custom resource, so no strategic
 * merge) carrying the resourceVersion read, so a concurrent edit fails with k8s-conflict for the caller to
 * retry. Idempotent: nothing is sent when the weights already match.
 *
 * Throws only FlightdeckErrors: k8s-invalid for a percentage outside 0..100, a route that is not an HTTPRoute
 * shape, or no rule routing to the stable Service; else the toK8sError mapping.
 */
export async function setRouteWeights(client: ClusterClient, ref: RouteRef, canaryPercent: number): Promise<RouteWeightsResult> {
  const what = `httproute ${ref.namespace}/${ref.route}`;
  if (!Number.isInteger(canaryPercent) || canaryPercent < 0 || canaryPercent > 100) {
    throw new FlightdeckError('k8s-invalid', `Cannot send ${canaryPercent}% to the canary: use a whole percentage from 0 to 100`);
  }
  const stableWeight = 100 - canaryPercent;
  const route = await readRoute(client, ref);
  const { rules, changed } = weightedRules(route, ref, canaryPercent);
  if (!changed) return { changed: false, stableWeight, canaryWeight: canaryPercent };
  try {
    await client.custom.patchNamespacedCustomObject(
      { ...HTTPROUTE_GROUP, namespace: ref.namespace, name: ref.route, body: { metadata: { resourceVersion: route.metadata.resourceVersion }, spec: { rules } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (err) {
    throw toK8sError(err, 'patch', what);
  }
  return { changed: true, stableWeight, canaryWeight: canaryPercent };
}

/** An HTTPRoute as far as weights go: its rules' backends, and the resourceVersion a patch is checked against. */
export type HttpRoute = z.infer<typeof httpRoute>;

/** Reads the route; k8s-invalid when it is not an HTTPRoute's shape, else the toK8sError mapping. */
export async function readRoute(client: ClusterClient, ref: RouteRef): Promise<HttpRoute> {
  const what = `httproute ${ref.namespace}/${ref.route}`;
  let raw: unknown;
  try {
    raw = await client.custom.getNamespacedCustomObject({ ...HTTPROUTE_GROUP, namespace: ref.namespace, name: ref.route });
  } catch (err) {
    throw toK8sError(err, 'get', what);
  }
  const parsed = httpRoute.safeParse(raw);
  if (!parsed.success) throw new FlightdeckError('k8s-invalid', `${what} does not look like an HTTPRoute: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
  return parsed.data;
}

/**
 * The route's rules with `canaryPercent` to the canary and the rest to the stable Service in every rule that
 * routes to either (the canary added on the stable backend's port where missing), and whether any weight moved.
 * Pure. Throws k8s-invalid when no rule routes to the stable Service.
 */
export function weightedRules(route: HttpRoute, ref: RouteRef, canaryPercent: number): { rules: HttpRoute['spec']['rules']; changed: boolean } {
  const what = `httproute ${ref.namespace}/${ref.route}`;
  const ours = (r: { backendRefs?: Array<{ name: string }> }) => (r.backendRefs ?? []).some((b) => b.name === ref.stableService || b.name === ref.canaryService);
  if (!route.spec.rules.some(ours)) {
    const names = [...new Set(route.spec.rules.flatMap((r) => (r.backendRefs ?? []).map((b) => b.name)))].join(', ') || '(none)';
    throw new FlightdeckError('k8s-invalid', `${what} has no rule routing to Service "${ref.stableService}"; its backends are: ${names}`, {
      remedy: 'Fix the route or Service names of the traffic step in the checklist.',
    });
  }
  let changed = false;
  const rules = route.spec.rules.map((rule) => {
    if (!ours(rule)) return rule;
    const refs = (rule.backendRefs ?? []).map((b) => ({ ...b }));
    const stable = refs.find((b) => b.name === ref.stableService);
    if (!refs.some((b) => b.name === ref.canaryService)) {
      refs.push({ name: ref.canaryService, ...(stable?.port === undefined ? {} : { port: stable.port }), weight: 0 });
    }
    for (const b of refs) {
      const want = b.name === ref.canaryService ? canaryPercent : b.name === ref.stableService ? 100 - canaryPercent : b.weight;
      // An absent weight means 1 to the Gateway, so it is not the same as a wanted 1.
      if (b.weight !== want) {
        changed = true;
        b.weight = want;
      }
    }
    return { ...rule, backendRefs: refs };
  });
  return { rules, changed };
}
