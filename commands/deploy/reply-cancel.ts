import type { CommandInvocation, CommandReply, CommandServices } from '../command-definition.js';
import { canDeploy, canRollback } from '../../src/auth/authorize.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { auditedCheck } from '../../src/auth/audited-check.js';

/**
 * `/deploy cancel <run>`: applies `abort`. A run that has not changed the cluster ends `aborted`; one that
 * has ends `failed` and the domain requests a rollback to the revision it recorded. Deploy runs may be
 * cancelled by whoever may deploy to their environment, rollback runs by whoever may roll back there.
 *
 * @throws FlightdeckError `run-not-found`; `forbidden` naming the role (audited; also when the run's
 *   environment has left the catalog); `run-finished` when it has ended.
 */
export async function cancelRun(
  request: { runId: string; reason?: string | undefined },
  invocation: CommandInvocation,
  services: CommandServices,
): Promise<CommandReply> {
  const run = await services.store.get(request.runId);
  if (!run) {
    throw new FlightdeckError('run-not-found', `There is no run #${request.runId}.`, { remedy: '`/deploy status` lists the active runs.' });
  }
  const environment = services.config.catalog.environments[run.environment];
  const roles = await services.roles.rolesOf(invocation.userId);
  await auditedCheck(services, { run: run.id, actor: invocation.userId, what: `/deploy cancel ${run.id}` }, () => {
    if (!environment) {
      throw new FlightdeckError('forbidden', `The environment ${run.environment} is no longer in the catalog, so nobody may cancel run #${run.id} from Slack.`);
    }
    if (run.kind === 'rollback') canRollback(roles, run.environment, environment);
    else canDeploy(roles, run.environment, environment);
  });
  const ended = await services.engine.apply(run.id, { type: 'abort', actor: invocation.userId, ...(request.reason ? { reason: request.reason } : {}) });
  const what = `run #${ended.id} (*${ended.service}* \`${ended.version}\` → ${ended.environment})`;
  if (ended.state === 'aborted') return { text: `Cancelled ${what} before it changed the cluster; it ended *aborted*.` };
  const revision = ended.rollbackTarget ? ` to revision ${ended.rollbackTarget.revision} (\`${ended.rollbackTarget.image}\`)` : '';
  return { text: `Stopped ${what}. It had already changed the cluster, so it ended *${ended.state}* and a rollback${revision} was requested; follow it in the run's thread.` };
}
