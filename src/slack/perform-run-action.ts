import type { RespondArguments } from '@slack/bolt';
import type { CommandServices } from '../../commands/command-definition.js';
import { canDeploy } from '../auth/authorize.js';
import { FlightdeckError, isFlightdeckError } from '../errors/flightdeck-error.js';
import { isFollowUp, itemsOf } from '../run/core/run-draft.js';
import type { RunEvent } from '../run/core/run-event.js';
import type { Run } from '../run/core/run-schema.js';
import { APPROVE_ACTION_PREFIX, parseItemButtonValue, TICK_ACTION_PREFIX } from './views/item-buttons.js';
import { renderPhaseReminder } from './views/render-phase-reminder.js';
import { RUN_ACTIONS } from './views/run-controls.js';

/** A click on a run button, as far as flightdeck cares. */
export interface RunActionRequest {
  actionId: string;
  value: string | undefined;
  userId: string;
  /** The message the button was in: the run message, or a follow-up reminder in its thread. */
  messageTs: string | undefined;
}

type ControlType = 'start' | 'pause' | 'resume' | 'abort';

const CONTROL_BY_ACTION: Record<string, ControlType> = {
  [RUN_ACTIONS.start]: 'start',
  [RUN_ACTIONS.pause]: 'pause',
  [RUN_ACTIONS.resume]: 'resume',
  [RUN_ACTIONS.abort]: 'abort',
};

function notOurButton(): FlightdeckError {
  return new FlightdeckError('usage', 'This button does not belong to a flightdeck run.');
}

/**
 * Records a click: tick and approve carry the clicker's roles to the state machine (which refuses a
 * missing role or a self-approval); start, pause, resume and abort need the right to deploy to the run's
 * environment. A refusal for lack of a right is appended to the audit stream and rethrown. Returns what
 * to answer besides the ack: the re-rendered reminder when the click came from a follow-up reminder.
 *
 * @throws FlightdeckError from the state machine (already done, moved on, forbidden) or `run-not-found`.
 */
export async function performRunAction(services: CommandServices, request: RunActionRequest): Promise<RespondArguments | undefined> {
  const item = /^item\.(tick|approve)\./.test(request.actionId) ? parseItemButtonValue(request.value) : undefined;
  const control = CONTROL_BY_ACTION[request.actionId];
  const runId = runIdOf(request);
  if (!runId) throw notOurButton();
  try {
    const roles = await services.roles.rolesOf(request.userId);
    if (item) {
      const type = request.actionId.startsWith(`${APPROVE_ACTION_PREFIX}.`) ? 'approve' : 'tick';
      if (type === 'tick' && !request.actionId.startsWith(`${TICK_ACTION_PREFIX}.`)) throw notOurButton();
      const run = await services.engine.apply(runId, { type, itemId: item.itemId, actor: request.userId, actorRoles: roles });
      return reminderReply(run, item.itemId, request.messageTs);
    }
    const run = await services.store.get(runId);
    if (!run) throw new FlightdeckError('run-not-found', `Run ${runId} does not exist.`);
    const environment = services.config.catalog.environments[run.environment];
    if (!environment) {
      throw new FlightdeckError('forbidden', `The environment ${run.environment} is no longer in the catalog, so nobody may ${control} run ${run.id} from Slack.`);
    }
    canDeploy(roles, run.environment, environment);
    await services.engine.apply(runId, { type: control!, actor: request.userId } as RunEvent);
    return undefined;
  } catch (err) {
    if (isFlightdeckError(err) && err.code === 'forbidden') {
      await services.store.auditOnly({
        run: runId,
        actor: request.userId,
        action: 'action.refused',
        detail: `${request.actionId}${item ? ` ${item.itemId}` : ''}: ${err.message}`,
        at: services.now(),
      });
    }
    throw err;
  }
}

/** The run a click is about, read from the button's value; undefined for a button that is not ours. */
export function runIdOf(request: Pick<RunActionRequest, 'actionId' | 'value'>): string | undefined {
  if (/^item\.(tick|approve)\./.test(request.actionId)) return parseItemButtonValue(request.value)?.runId;
  return CONTROL_BY_ACTION[request.actionId] && request.value ? request.value : undefined;
}

/** A click on a follow-up reminder re-renders that reminder in place, so it shows who ticked what. */
function reminderReply(run: Run, itemId: string, messageTs: string | undefined): RespondArguments | undefined {
  if (!messageTs || messageTs === run.messageTs) return undefined;
  const found = itemsOf(run).find(({ item }) => item.id === itemId);
  if (!found || !isFollowUp(found.phase)) return undefined;
  const reminder = renderPhaseReminder(run, found.phase.id);
  return { replace_original: true, text: reminder.text, blocks: reminder.blocks };
}
