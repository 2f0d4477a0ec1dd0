import { auditedCheck } from '../auth/audited-check.js';
import { canDeploy, canRollback } from '../auth/authorize.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { Run } from '../run/core/run-schema.js';
import type { Requester, UseCaseServices } from './use-case-services.js';

/**
 * Applies `abort` to a run on a person's request. A run that has not changed the cluster ends `aborted`;
 * one that has ends `failed` and the domain requests a rollback to the revision it recorded. Deploy runs may
 * be cancelled by whoever may deploy to their environment, rollback runs by whoever may roll back there.
 * Returns the run as it ended.
 *
 * @throws FlightdeckError `run-not-found`; `forbidden` naming the role (audited; also when the run's
 *   environment has left the catalog); `run-finished` when it has ended.
 */
export async function cancelRun(request: { runId: string; reason?: string | undefined }, requester: Requester, services: UseCaseServices): Promise<Run> {
  const run = await services.store.get(request.runId);
  if (!run) {
    throw new FlightdeckError('run-not-found', `There is no run #${request.runId}.`, { remedy: '`/deploy status` lists the active runs.' });
  }
  const environment = services.config.catalog.environments[run.environment];
  const roles = await services.roles.rolesOf(requester.userId);
  await auditedCheck(services, { run: run.id, actor: requester.userId, what: `/deploy cancel ${run.id}` }, () => {
    if (!environment) {
      throw new FlightdeckError('forbidden', `The environment ${run.environment} is no longer in the catalog, so nobody may cancel run #${run.id} from Slack.`);
    }
    if (run.kind === 'rollback') canRollback(roles, run.environment, environment);
    else canDeploy(roles, run.environment, environment);
  });
  return services.engine.apply(run.id, { type: 'abort', actor: requester.userId, ...(request.reason ? { reason: request.reason } : {}) });
}
