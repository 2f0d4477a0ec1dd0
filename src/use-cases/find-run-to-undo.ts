import { catalogued } from '../errors/error-catalogue.js';
import { somethingToRollBack } from '../run/core/run-draft.js';
import type { Run } from '../run/core/run-schema.js';
import type { UseCaseServices } from './use-case-services.js';

/**
 * The run a rollback of service+environment undoes: the deploy in flight, else the newest run when it is a
 * failed deploy a rollback has something to do for (run-draft.ts somethingToRollBack) and was not rolled back; null for a rollback of the service as it
 * stands. Reads Redis only.
 *
 * @throws FlightdeckError `target-locked` when a rollback is already in flight.
 */
export async function findRunToUndo(services: Pick<UseCaseServices, 'store'>, service: string, environment: string): Promise<Run | null> {
  const active = await services.store.activeRunFor(service, environment);
  if (active?.kind === 'rollback') {
    throw catalogued('rollback-in-flight', { service, environment, runId: active.id });
  }
  if (active) return active;
  const [latest] = await services.store.history(service, environment, 1);
  return latest?.kind === 'deploy' && latest.state === 'failed' && somethingToRollBack(latest) ? latest : null;
}
