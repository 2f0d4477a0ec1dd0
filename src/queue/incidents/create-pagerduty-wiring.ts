import { readFileSync } from 'node:fs';
import type { Catalog } from '../../config/catalog-schema.js';
import type { Env } from '../../config/load-env.js';
import { FlightdeckError } from '../../errors/flightdeck-error.js';
import { createPagerDutyClient } from '../../pagerduty/create-pagerduty-client.js';
import { resolvePagerDutyRoutes, type PagerDutyWiring } from './pagerduty-routes.js';

/**
 * PagerDuty for this process, from the environment and the catalog, or undefined when no service has
 * `pagerduty` configured.
 *
 * @throws FlightdeckError `config-invalid` naming every routing-key variable that is unset, or the CA file
 *   when it cannot be read, so start-up stops before anything could need to page.
 */
export function createPagerDutyWiring(env: Env, catalog: Catalog): PagerDutyWiring | undefined {
  const routes = resolvePagerDutyRoutes(catalog, env.readVariable);
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
  });
  return { client, routes };
}
