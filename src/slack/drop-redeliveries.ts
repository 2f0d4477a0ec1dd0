import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../observability/create-logger.js';
import type { RunStore } from '../run/store/run-store.js';

/** How long a delivery is remembered: as long as a signed request is believed (five minutes either side of its timestamp), and longer than Slack's retries. */
const REMEMBER_SECONDS = 600;

const ALREADY_HANDLED = 'This request reached flightdeck twice; it was handled the first time and not run again.';

/**
 * One person's action has one effect even when Slack delivers it more than once: Socket Mode redelivers an
 * envelope it thinks was lost, and a signed HTTP request can be replayed while its signature is fresh. Every
 * command, click and modal submission carries a `trigger_id` minted for that one action, so the first
 * delivery claims it in Redis and any later one is acknowledged and dropped. Deliveries without a
 * `trigger_id` pass through. A Redis failure fails the delivery, as the listener itself would.
 */
export function dropRedeliveries(store: RunStore, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as { trigger_id?: unknown };
    const ack = 'ack' in args ? (args.ack as (response?: unknown) => Promise<void>) : undefined;
    const triggerId = typeof body.trigger_id === 'string' && body.trigger_id !== '' ? body.trigger_id : undefined;
    if (ack && triggerId && !(await store.claimOnce(`delivery:${triggerId}`, REMEMBER_SECONDS))) {
      logger.info({ triggerId }, 'dropped a repeated Slack delivery');
      await ack('command' in args ? { response_type: 'ephemeral', text: ALREADY_HANDLED } : undefined);
      return;
    }
    await args.next();
  };
}
