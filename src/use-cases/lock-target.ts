import { resolveTarget } from '../config/resolve-target.js';
import type { ManualLock } from '../run/store/manual-lock.js';
import type { Requester, UseCaseServices } from './use-case-services.js';

interface TargetRequest {
  service: string;
  environment: string;
}

async function authorize(what: 'lock' | 'unlock', request: TargetRequest, requester: Requester, services: UseCaseServices): Promise<void> {
  resolveTarget(services.config.catalog, request.service, request.environment);
  await services.gate.authorize({
    action: what === 'lock' ? 'target.lock' : 'target.unlock',
    userId: requester.userId,
    via: 'command',
    what: `/deploy ${what} ${request.service} ${request.environment}`,
    target: { service: request.service, environment: request.environment },
  });
}

/**
 * A person locks service+environment: new deploys there are refused until unlocked (rollbacks may still
 * take the lock). Whoever may deploy to the environment may lock it.
 *
 * @throws FlightdeckError `unknown-service`/`unknown-environment`/`environment-not-allowed`, `forbidden`
 *   naming the role (audited), `target-locked` naming the run or person already holding it.
 */
export async function lockTarget(request: TargetRequest & { reason: string }, requester: Requester, services: UseCaseServices): Promise<void> {
  await authorize('lock', request, requester, services);
  await services.store.lockManually(request.service, request.environment, { by: requester.userId, reason: request.reason, at: services.now() });
}

/**
 * Releases a person's lock; whoever may deploy to the environment may unlock it, whoever locked it.
 * Returns the lock that was released.
 *
 * @throws FlightdeckError as `lockTarget`, plus `usage` when nothing holds the lock and `target-locked`
 *   when a run (not a person) holds it.
 */
export async function unlockTarget(request: TargetRequest, requester: Requester, services: UseCaseServices): Promise<ManualLock> {
  await authorize('unlock', request, requester, services);
  return services.store.unlockManually(request.service, request.environment, { by: requester.userId, at: services.now() });
}
