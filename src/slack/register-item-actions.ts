import type { App, BlockButtonAction } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import { FlightdeckError, isFlightdeckError } from '../errors/flightdeck-error.js';
import { toUserText } from '../errors/user-text.js';
import type { Logger } from '../observability/create-logger.js';
import type { RunEngine } from '../queue/run-engine.js';
import { TICK_ACTION_PREFIX } from './render-run-message.js';

const TICK_VALUE = /^([^:]+):(.+)$/;

/**
 * A click on an item's button: record the tick (compare-and-set, so simultaneous clicks both land and a
 * repeated delivery is refused with who did it and when), then ack. Refusals go back to the clicker only.
 */
export function registerItemActions(app: App, engine: RunEngine, logger: Logger): void {
  const actionPattern = new RegExp(`^${TICK_ACTION_PREFIX.replace('.', '\\.')}\\.`);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: actionPattern }, async ({ action, body, ack, respond }) => {
    const log = logger.child({ action: action.action_id, user: body.user.id });
    let refusal: string | undefined;
    try {
      const match = TICK_VALUE.exec(action.value ?? '');
      if (!match) throw new FlightdeckError('usage', 'This button does not belong to a flightdeck run.');
      const [, runId, itemId] = match as unknown as [string, string, string];
      await engine.apply(runId, { type: 'tick', itemId, actor: body.user.id, actorRoles: [] });
      log.info({ run: runId, item: itemId }, 'item ticked');
    } catch (err) {
      const reference = randomUUID().slice(0, 8);
      if (isFlightdeckError(err)) log.info({ code: err.code }, 'tick refused');
      else log.error({ err, reference }, 'tick failed');
      refusal = toUserText(err, reference);
    }
    await ack();
    if (refusal) await respond({ response_type: 'ephemeral', replace_original: false, text: refusal });
  });
}
