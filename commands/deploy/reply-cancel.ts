import { cancelRun } from '../../src/use-cases/cancel-run.js';
import type { CommandInvocation, CommandReply, CommandServices } from '../command-definition.js';

/**
 * `/deploy cancel <run>`: cancels through the use case and says how the run ended: `aborted` before it
 * changed the cluster, else stopped with a rollback requested.
 *
 * @throws FlightdeckError as `cancelRun`.
 */
export async function replyCancel(
  request: { runId: string; reason?: string | undefined },
  invocation: CommandInvocation,
  services: CommandServices,
): Promise<CommandReply> {
  const ended = await cancelRun(request, invocation, services);
  const what = `run #${ended.id} (*${ended.service}* \`${ended.version}\` → ${ended.environment})`;
  if (ended.state === 'aborted') return { text: `Cancelled ${what} before it changed the cluster; it ended *aborted*.` };
  const revision = ended.rollbackTarget ? ` to revision ${ended.rollbackTarget.revision} (\`${ended.rollbackTarget.image}\`)` : '';
  return { text: `Stopped ${what}. It had already changed the cluster, so it ended *${ended.state}* and a rollback${revision} was requested; follow it in the run's thread.` };
}
