import { catalogued } from '../errors/error-catalogue.js';
import type { Run } from '../run/core/run-schema.js';
import type { Requester, UseCaseServices } from './use-case-services.js';

/**
 * Applies `abort` to a run on a person's request. A run that has not changed the cluster ends `aborted`;
 * one that has ends `failed` and the domain requests a rollback to the revision it recorded. Deploy runs may
 * be cancelled by whoever may deploy to their environment, rollback runs by whoever may roll back there.
 * Returns the run as it ended.
 *
 * @throws FlightdeckError `run-not-found`; `forbidden` from the gate (audited); `run-finished` when it has ended.
 */
export async function cancelRun(request: { runId: string; reason?: string | undefined }, requester: Requester, services: UseCaseServices): Promise<Run> {
  const run = await services.store.get(request.runId);
  if (!run) {
    throw catalogued('no-such-run', { runId: request.runId });
  }
  await services.gate.authorize({ action: 'run.cancel', userId: requester.userId, via: 'command', what: `/deploy cancel ${run.id}`, runId: run.id });
  return services.engine.apply(run.id, { type: 'abort', actor: requester.userId, ...(request.reason ? { reason: request.reason } : {}) });
}
