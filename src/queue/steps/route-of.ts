import { FlightdeckError } from '../../errors/flightdeck-error.js';
import type { RouteRef } from '../../k8s/set-route-weights.js';
import type { Run } from '../../run/core/run-schema.js';

/**
 * The HTTPRoute and Services of the run's service.
 * @throws FlightdeckError `config-invalid` when the catalog gave the service no `traffic` settings.
 */
export function routeOf(run: Run): RouteRef {
  const traffic = run.target.traffic;
  if (!traffic) {
    throw new FlightdeckError('config-invalid', `Service \`${run.service}\` has no traffic settings, so traffic cannot be shifted.`, {
      remedy: `Add traffic: { route, stableService, canaryService } to services.${run.service} in flightdeck.yaml.`,
    });
  }
  return { namespace: run.target.namespace, ...traffic };
}
