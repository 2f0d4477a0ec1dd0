import type { ApiScopes } from '../config/api-tokens.js';
import type { CatalogEnvironment } from '../config/catalog-schema.js';
import { catalogued } from '../errors/error-catalogue.js';

type EnvironmentRules = Pick<CatalogEnvironment, 'deployers' | 'rollbackers' | 'freezers'>;

/**
 * Whether someone holding `roles` may deploy to `environmentName`: anyone when the environment lists no
 * `deployers`. Pure.
 *
 * @throws FlightdeckError `forbidden` naming the roles that would allow it.
 */
export function canDeploy(roles: readonly string[], environmentName: string, environment: EnvironmentRules): void {
  if (!environment.deployers) return;
  refuseUnlessHeld(roles, environment.deployers, `deploy to ${environmentName}`);
}

/**
 * Whether someone holding `roles` may roll back in `environmentName`: the `rollbackers`, or when absent
 * whoever may deploy there. Pure.
 *
 * @throws FlightdeckError `forbidden` naming the roles that would allow it.
 */
export function canRollback(roles: readonly string[], environmentName: string, environment: EnvironmentRules): void {
  const allowed = environment.rollbackers ?? environment.deployers;
  if (!allowed) return;
  refuseUnlessHeld(roles, allowed, `roll back in ${environmentName}`);
}

/**
 * Whether someone holding `roles` may declare or lift a freeze in `environmentName`: the `freezers`, or when
 * absent whoever may deploy there. Pure.
 *
 * @throws FlightdeckError `forbidden` naming the roles that would allow it.
 */
export function canFreeze(roles: readonly string[], environmentName: string, environment: EnvironmentRules): void {
  const allowed = environment.freezers ?? environment.deployers;
  if (!allowed) return;
  refuseUnlessHeld(roles, allowed, `freeze or unfreeze ${environmentName}`);
}

function refuseUnlessHeld(roles: readonly string[], allowed: readonly string[], what: string): void {
  if (allowed.some((role) => roles.includes(role))) return;
  throw catalogued('role-missing', { what, roles: allowed });
}

/**
 * Whether an API token with `scopes` may act on `service` in `environment`: both named in its scopes (or `*`).
 * A token's scopes are its rights; it holds no roles. Pure.
 *
 * @throws FlightdeckError `forbidden` naming the token and what its scopes cover.
 */
export function canActWithScopes(token: string, scopes: ApiScopes, service: string, environment: string, what: string): void {
  const covers = (names: readonly string[], name: string) => names.includes('*') || names.includes(name);
  if (covers(scopes.services, service) && covers(scopes.environments, environment)) return;
  throw catalogued('scope-missing', { token, what: `${what} ${service} in ${environment}`, scopes });
}
