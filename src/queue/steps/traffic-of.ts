import { FlightdeckError } from '../../errors/flightdeck-error.js';
import type { RouteRef } from '../../k8s/set-route-weights.js';
import type { Run } from '../../run/core/run-schema.js';

/** Replica mode: the one Service that selects the stable and the canary pods. */
export interface ReplicaServiceRef {
  namespace: string;
  service: string;
}

/**
 * How the run's service shifts traffic: its HTTPRoute and Services, or in replica mode its one Service.
 * @throws FlightdeckError `config-invalid` when the catalog gave the service no `traffic` settings.
 */
export function trafficOf(run: Run): RouteRef | ReplicaServiceRef {
  const traffic = run.target.traffic;
  if (!traffic) {
    throw new FlightdeckError('config-invalid', `Service \`${run.service}\` has no traffic settings, so traffic cannot be shifted.`, {
      remedy: `Add traffic: { route, stableService, canaryService } (an HTTPRoute) or traffic: { service } (one Service, replica mode) to services.${run.service} in flightdeck.yaml.`,
    });
  }
  return { namespace: run.target.namespace, ...traffic };
}

/** Whether `traffic` is replica mode's one Service rather than an HTTPRoute. */
export function isReplicaMode<T extends { service: string } | { route: string }>(traffic: T): traffic is Extract<T, { service: string }> {
  return 'service' in traffic;
}
