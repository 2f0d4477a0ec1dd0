import { catalogued } from '../errors/error-catalogue.js';
import { catalogFreezes, instantOf, windowStateAt, type ActiveFreeze } from '../deploy-windows/window-state.js';
import type { Requester, UseCaseServices } from './use-case-services.js';

export interface FreezeRequest {
  environment: string;
  /** How long from now, or until when (a bare date is the midnight that starts it, in the environment's windows' zone, else UTC). */
  for: { durationMs: number } | { until: string };
  reason: string;
}

function knownEnvironment(environment: string, services: UseCaseServices): void {
  const { environments } = services.config.catalog;
  if (!Object.hasOwn(environments, environment)) {
    throw catalogued('freeze-unknown-environment', { environment, known: Object.keys(environments) });
  }
}

/**
 * `/deploy freeze`: no deployment starts in the environment until the freeze ends or is lifted (rollbacks
 * still run). One declared freeze per environment; a new one replaces it. Audited.
 *
 * @throws FlightdeckError `unknown-environment`; `forbidden` naming the freezers role (audited); `usage`
 *   for an end that is not in the future.
 */
export async function freezeEnvironment(request: FreezeRequest, requester: Requester, services: UseCaseServices): Promise<ActiveFreeze & { by: string }> {
  knownEnvironment(request.environment, services);
  await services.gate.authorize({
    action: 'env.freeze',
    userId: requester.userId,
    via: 'command',
    what: `/deploy freeze ${request.environment}`,
    target: { service: '', environment: request.environment },
  });
  const now = services.now();
  // A date is read as the catalog's freezes are, so `/deploy freeze production 2026-12-24` and a catalog freeze
  // until 2026-12-24 end at the same moment.
  const timeZone = services.config.catalog.environments[request.environment]?.deployWindows?.timeZone ?? 'UTC';
  const until = 'durationMs' in request.for ? now + request.for.durationMs : instantOf(request.for.until, timeZone);
  if (!(until > now)) throw catalogued('freeze-end-past', { until: 'until' in request.for ? request.for.until : new Date(until).toISOString() });
  const freeze = { from: now, until, reason: request.reason, by: requester.userId };
  await services.freezes.declare(request.environment, freeze);
  await services.store.auditOnly({ run: '', actor: requester.userId, action: 'environment.frozen', detail: `${request.environment} until ${new Date(until).toISOString()}: ${request.reason}`, at: now });
  return freeze;
}

/**
 * `/deploy unfreeze`: lifts the environment's declared freeze. A catalog freeze is not lifted by a command.
 * Audited.
 *
 * @throws FlightdeckError `unknown-environment`; `forbidden` (audited); `usage` when no declared freeze is in effect.
 */
export async function unfreezeEnvironment(environment: string, requester: Requester, services: UseCaseServices): Promise<ActiveFreeze & { by: string }> {
  knownEnvironment(environment, services);
  await services.gate.authorize({ action: 'env.unfreeze', userId: requester.userId, via: 'command', what: `/deploy unfreeze ${environment}`, target: { service: '', environment } });
  const now = services.now();
  const lifted = await services.freezes.lift(environment, now);
  if (!lifted) {
    const env = services.config.catalog.environments[environment];
    const catalogFreeze = windowStateAt(undefined, catalogFreezes(env?.freezes, env?.deployWindows?.timeZone ?? 'UTC'), now).open === false;
    throw catalogued('not-frozen', { environment, catalogFreeze });
  }
  await services.store.auditOnly({ run: '', actor: requester.userId, action: 'environment.unfrozen', detail: `${environment} (frozen by ${lifted.by}: ${lifted.reason})`, at: now });
  return lifted;
}
