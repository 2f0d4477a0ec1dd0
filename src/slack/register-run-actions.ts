import type { App, BlockButtonAction, RespondArguments } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import type { CommandServices } from '../../commands/command-definition.js';
import { isFlightdeckError } from '../errors/flightdeck-error.js';
import { toUserText } from '../errors/user-text.js';
import { LISTENER_CLAIM_CONTEXT, type ClaimTaken, type ListenerClaim } from './drop-redeliveries.js';
import type { Run } from '../run/core/run-schema.js';
import type { Logger } from '../observability/create-logger.js';
import { performRunAction, runIdOf, type RunActionRequest } from './perform-run-action.js';
import { APPROVE_ACTION_PREFIX, TICK_ACTION_PREFIX } from './views/item-buttons.js';
import { RUN_ACTIONS } from './views/run-controls.js';
import type { RespondTo } from './respond-to.js';

/** A delivery is remembered this long: Slack's retries and impatient double clicks fall well inside. */
const DELIVERY_TTL_SECONDS = 3600;

export const ITEM_ACTION = new RegExp(`^(${escape(TICK_ACTION_PREFIX)}|${escape(APPROVE_ACTION_PREFIX)})\\.`);
const CONTROL_ACTIONS = [RUN_ACTIONS.start, RUN_ACTIONS.pause, RUN_ACTIONS.resume, RUN_ACTIONS.abort] as const;
export const CONTROL_ACTION = new RegExp(`^(${CONTROL_ACTIONS.map(escapeRegExp).join('|')})$`);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The once-key of a click: a delivery Slack repeats carries the same `action_ts`, user and button. */
function clickKey(action: { action_ts?: string; action_id: string; value?: string | undefined }, userId: string): string {
  return `click:${action.action_ts}:${userId}:${action.action_id}:${action.value ?? ''}`;
}

/**
 * The click claim the listener below takes for `body`, when it is a run button's: dropRedeliveries takes it
 * with the delivery's in one round trip and says in the context whether it was won.
 */
export function runActionClaim(body: unknown): ListenerClaim | undefined {
  const { type, actions, user } = body as { type?: unknown; actions?: unknown; user?: { id?: unknown } };
  if (type !== 'block_actions' || !Array.isArray(actions) || actions.length !== 1 || typeof user?.id !== 'string') return undefined;
  const action = actions[0] as { action_ts?: unknown; action_id?: unknown; value?: unknown };
  if (typeof action.action_id !== 'string' || typeof action.action_ts !== 'string' || !(ITEM_ACTION.test(action.action_id) || CONTROL_ACTION.test(action.action_id))) return undefined;
  const value = typeof action.value === 'string' ? action.value : undefined;
  const thenRead = runIdOf({ actionId: action.action_id, value });
  return { key: clickKey({ action_ts: action.action_ts, action_id: action.action_id, value }, user.id), ttlSeconds: DELIVERY_TTL_SECONDS, thenRead };
}

/**
 * The buttons of run messages and follow-up reminders: tick, approve, start, pause, resume, abort (the
 * Rollback button has its own listener). Each click is recorded in Redis, then acked; a refusal (no
 * right, self-approval, already done by someone, run moved on) goes back to the clicker only, and a
 * refusal for lack of a right is audited. A delivery Slack repeats (same `action_ts`, user and button)
 * has one effect: the first claims it, the repeats are acked and dropped.
 */
export function registerRunActions(app: App, services: CommandServices, logger: Logger, respondTo: RespondTo): void {
  const listener = async ({
    action,
    body,
    ack,
    context,
  }: {
    action: BlockButtonAction['actions'][number];
    body: BlockButtonAction;
    ack: () => Promise<void>;
    context: Record<string, unknown>;
  }) => {
    const request: RunActionRequest = {
      actionId: action.action_id,
      value: action.value,
      userId: body.user.id,
      messageTs: body.container?.message_ts as string | undefined,
    };
    const log = logger.child({ run: runIdOf(request), action: request.actionId, user: request.userId });
    const deliveryKey = clickKey(action, request.userId);
    // Taken with the delivery's claim when it had one (dropRedeliveries); otherwise here.
    const taken = context[LISTENER_CLAIM_CONTEXT] as ClaimTaken | undefined;
    let reply: RespondArguments | undefined;
    try {
      const won = taken?.key === deliveryKey ? taken.won : await services.store.claimOnce(deliveryKey, DELIVERY_TTL_SECONDS);
      if (!won) {
        log.info({ actionTs: action.action_ts }, 'repeated delivery of a click dropped');
      } else {
        reply = await performOnce(services, request, deliveryKey, taken?.key === deliveryKey ? taken.read : undefined);
        log.info('run action recorded');
      }
    } catch (err) {
      const reference = randomUUID().slice(0, 8);
      if (isFlightdeckError(err)) log.info({ code: err.code, reason: err.message }, 'run action refused');
      else log.error({ err, reference }, 'run action failed');
      reply = { response_type: 'ephemeral', replace_original: false, text: toUserText(err, reference) };
    }
    await ack();
    if (reply) await respondTo(body.response_url)(reply).catch((err: unknown) => log.warn({ err }, 'could not answer the click'));
  };
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: ITEM_ACTION }, listener);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: CONTROL_ACTION }, listener);
}

/** Performs the click; when it fails for a reason a retry could fix (an outage, a lost race), the delivery claim is given back. */
async function performOnce(services: CommandServices, request: RunActionRequest, deliveryKey: string, read: (() => Run | null) | undefined): Promise<RespondArguments | undefined> {
  try {
    return await performRunAction(services, request, read);
  } catch (err) {
    if (!isFlightdeckError(err) || err.retryable) await services.store.releaseOnce(deliveryKey);
    throw err;
  }
}
