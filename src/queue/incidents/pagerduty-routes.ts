import type { Catalog } from '../../config/catalog-schema.js';
import type { PagerDutyClient } from '../../pagerduty/create-pagerduty-client.js';

/** Where a service's PagerDuty events go and whose on-call gets the DM. */
export interface PagerDutyRoute {
  /** The integration key, read from the env var the catalog names. Secret: never logged. */
  routingKey: string;
  escalationPolicy?: string;
}

/** PagerDuty as the workers use it: one client and a route per service that has PagerDuty configured. */
export interface PagerDutyWiring {
  client: PagerDutyClient;
  /** By service name; services without `pagerduty` in the catalog are absent (they are never paged). */
  routes: ReadonlyMap<string, PagerDutyRoute>;
}

/**
 * Reads every service's routing key from the env var its `pagerduty.routingKeyEnv` names, once at start-up,
 * through `readVariable` (Env.readVariable: the environment as the config layer parsed it). A service whose
 * variable is unset or blank gets no route — it is never paged, as if it had no `pagerduty` settings — and is
 * listed in `missing` (naming the variable, never a value), so the caller can say so: paging one service is not
 * worth refusing to deploy every service.
 */
export function resolvePagerDutyRoutes(catalog: Catalog, readVariable: (name: string) => string | undefined): { routes: Map<string, PagerDutyRoute>; missing: string[] } {
  const routes = new Map<string, PagerDutyRoute>();
  const missing: string[] = [];
  for (const [name, service] of Object.entries(catalog.services)) {
    if (!service.pagerduty) continue;
    const variable = service.pagerduty.routingKeyEnv;
    const key = readVariable(variable)?.trim();
    if (!key) {
      missing.push(`${variable}: is not set, but services.${name}.pagerduty.routingKeyEnv names it, so ${name} is never paged — set it to the service's PagerDuty Events API v2 integration key, or remove pagerduty from ${name}`);
      continue;
    }
    routes.set(name, { routingKey: key, ...(service.pagerduty.escalationPolicy ? { escalationPolicy: service.pagerduty.escalationPolicy } : {}) });
  }
  return { routes, missing };
}
