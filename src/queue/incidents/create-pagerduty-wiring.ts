import { readFileSync } from 'node:fs';
import type { Catalog } from '../../config/catalog-schema.js';
import type { Env } from '../../config/load-env.js';
import { FlightdeckError } from '../../errors/flightdeck-error.js';
import { createPagerDutyClient } from '../../pagerduty/create-pagerduty-client.js';
import { resolvePagerDutyRoutes, type PagerDutyWiring } from './pagerduty-routes.js';

/**
 * PagerDuty for this process, from the environment and the catalog, or undefined when no service can be
 * paged. `warn` hears of each service whose routing-key variable is unset: it is not paged, and nothing else
 * changes (`flightdeck doctor` reports it too).
 *
 * @throws FlightdeckError `config-invalid` when PAGERDUTY_CA_FILE is set but cannot be read.
 */
export function createPagerDutyWiring(env: Env, catalog: Catalog, warn: (problem: string) => void): PagerDutyWiring | undefined {
  const { routes, missing } = resolvePagerDutyRoutes(catalog, env.readVariable);
  for (const problem of missing) warn(problem);
  if (routes.size === 0) return undefined;
  let ca: string | undefined;
  if (env.pagerdutyCaFile !== undefined) {
    try {
      ca = readFileSync(env.pagerdutyCaFile, 'utf8');
    } catch (err) {
      throw new FlightdeckError('config-invalid', `PAGERDUTY_CA_FILE: cannot read ${env.pagerdutyCaFile} (${(err as Error).message}) — point it at a readable PEM file, or unset it`);
    }
  }
  const client = createPagerDutyClient({
    eventsServer: env.pagerdutyEventsServer,
    apiUrl: env.pagerdutyApiUrl,
    ...(env.pagerdutyApiToken ? { apiToken: env.pagerdutyApiToken } : {}),
    ...(ca === undefined ? {} : { ca }),
    proxy: env.proxy,
  });
  return { client, routes };
}
