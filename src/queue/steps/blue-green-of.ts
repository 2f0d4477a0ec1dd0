import { FlightdeckError } from '../../errors/flightdeck-error.js';
import type { BlueGreenRef } from '../../k8s/blue-green-traffic.js';
import type { Run } from '../../run/core/run-schema.js';

/**
 * The blue-green Services (and route) of the run's service.
 * @throws FlightdeckError `config-invalid` when the catalog gave the service no `blueGreen` settings.
 */
export function blueGreenOf(run: Run): BlueGreenRef {
  const blueGreen = run.target.blueGreen;
  if (!blueGreen) {
    throw new FlightdeckError('config-invalid', `Service \`${run.service}\` has no blueGreen settings, so there is no Service to switch.`, {
      remedy: `Add blueGreen: { activeService, previewService } to services.${run.service} in flightdeck.yaml.`,
    });
  }
  return { namespace: run.target.namespace, ...blueGreen };
}
