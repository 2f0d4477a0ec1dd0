import type { RespondArguments } from '@slack/bolt';
import type { CommandServices } from '../../commands/command-definition.js';
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
 * Records a click: the gate decides whether this user may do it to the stored run (the environment's
 * deployers for a deploy run's controls, rollbackers for a rollback run's; the item's role, the
 * requester rules, four eyes and distinct signers for items) and audits a refusal. The state machine
 * then applies it on the run as written; a refusal only it can see (two clicks racing) is audited too.
 * Returns what to answer besides the ack: the re-rendered reminder when the click came from a follow-up reminder.
 * `readWithClaim` is the run as read with the click's claim (dropRedeliveries), which the gate then uses instead of reading it again.
 *
 * @throws FlightdeckError from the gate or the state machine (already done, moved on, forbidden), `run-not-found`.
 */
export async function performRunAction(services: CommandServices, request: RunActionRequest, readWithClaim?: () => Run | null): Promise<RespondArguments | undefined> {
  const item = /^item\.(tick|approve)\./.test(request.actionId) ? parseItemButtonValue(request.value) : undefined;
  const control = CONTROL_BY_ACTION[request.actionId];
  const runId = runIdOf(request);
  if (!runId) throw notOurButton();
  const type = item ? (request.actionId.startsWith(`${APPROVE_ACTION_PREFIX}.`) ? 'approve' : 'tick') : control!;
  if (type === 'tick' && !request.actionId.startsWith(`${TICK_ACTION_PREFIX}.`)) throw notOurButton();
  const what = `${request.actionId}${item ? ` ${item.itemId}` : ''}`;
  const { roles, run: read } = await services.gate.authorize({
    action: item ? `item.${type as 'tick' | 'approve'}` : `run.${control!}`,
    userId: request.userId,
    via: 'button',
    what,
    runId,
    ...(readWithClaim ? { read: readWithClaim } : {}),
    ...(item ? { itemId: item.itemId } : {}),
  });
  try {
    if (item) {
      // The run the gate read is the one the transition starts from: one read on the click's path, not two.
      const run = await services.engine.apply(runId, { type: type as 'tick' | 'approve', itemId: item.itemId, actor: request.userId, actorRoles: roles }, read ?? undefined);
      return reminderReply(run, item.itemId, request.messageTs);
    }
    await services.engine.apply(runId, { type: control!, actor: request.userId } as RunEvent, read ?? undefined);
    return undefined;
  } catch (err) {
    if (isFlightdeckError(err) && err.code === 'forbidden') {
      await services.store.auditOnly({ run: runId, actor: request.userId, action: 'action.refused', detail: `${what}: ${err.message}`, at: services.now() });
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
