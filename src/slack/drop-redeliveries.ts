import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../observability/create-logger.js';
import type { Run } from '../run/core/run-schema.js';
import type { RunStore } from '../run/store/run-store.js';
import { createRecentClaims, type RecentClaims } from './recent-claims.js';

/** How long a delivery is remembered: as long as a signed request is believed (five minutes either side of its timestamp), and longer than Slack's retries. */
const REMEMBER_SECONDS = 600;

/**
 * How many won deliveries a process remembers itself (see RecentClaims): about 4 MB, and 100 s of deliveries at
 * 200 a second, where a redelivery comes within seconds; older ones are asked of Redis.
 */
const RECENT_CLAIMS_MAX = 20_000;

const ALREADY_HANDLED = 'This request reached flightdeck twice; it was handled the first time and not run again.';

/**
 * A listener's own once-claim, which this middleware takes right after the delivery's in the same round trip,
 * and the run the listener reads first (`thenRead`, a run id), read in that round trip too once both are won.
 */
export interface ListenerClaim {
  key: string;
  ttlSeconds: number;
  thenRead?: string | undefined;
}

/** What the listener finds in Bolt's context under {@link LISTENER_CLAIM_CONTEXT}. */
export interface ClaimTaken {
  key: string;
  won: boolean;
  /** With `thenRead` and the claim won: the run as the store's `get` returns it. */
  read?: (() => Run | null) | undefined;
}

/** Where Bolt's context says whether the listener's claim ({@link ListenerClaim}) was won. */
export const LISTENER_CLAIM_CONTEXT = 'flightdeckListenerClaim';

/**
 * One person's action has one effect even when Slack delivers it more than once: Socket Mode redelivers an
 * envelope it thinks was lost, and a signed HTTP request can be replayed while its signature is fresh. Every
 * command, click and modal submission carries a `trigger_id` minted for that one action, so the first
 * delivery claims it in Redis and any later one is acknowledged and dropped. Deliveries without a
 * `trigger_id` pass through. A Redis failure fails the delivery, as the listener itself would.
 *
 * `listenerClaim` names the claim a listener would take next for this body (a run button's click, keyed by
 * its `action_ts`) and the run it would read first: both are taken in the same round trip, once the
 * delivery's claim is won, and handed to the listener in its context, so it need not ask Redis again.
 * A delivery `onlyReads` names (a `/deploy help`) is not claimed: answered again, it changes nothing, and Slack
 * redelivers one when the first answer did not reach it, so dropping it would leave the person with none.
 * A delivery this process claimed itself (`recent`) is dropped without asking Redis: a delivery claim is never
 * given back.
 */
export function dropRedeliveries(
  store: Pick<RunStore, 'claimOnce' | 'claimInOrder'>,
  logger: Logger,
  listenerClaim: (body: unknown) => ListenerClaim | undefined = () => undefined,
  onlyReads: (body: unknown) => boolean = () => false,
  recent: RecentClaims = createRecentClaims({ ttlMs: REMEMBER_SECONDS * 1000, maxKeys: RECENT_CLAIMS_MAX }),
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as { trigger_id?: unknown };
    const ack = 'ack' in args ? (args.ack as (response?: unknown) => Promise<void>) : undefined;
    const triggerId = typeof body.trigger_id === 'string' && body.trigger_id !== '' ? body.trigger_id : undefined;
    if (ack && triggerId && !onlyReads(args.body)) {
      const delivery = { key: `delivery:${triggerId}`, ttlSeconds: REMEMBER_SECONDS };
      const drop = async () => {
        logger.info({ triggerId }, 'dropped a repeated Slack delivery');
        await ack('command' in args ? { response_type: 'ephemeral', text: ALREADY_HANDLED } : undefined);
      };
      if (recent.has(delivery.key)) return drop();
      const askedAt = Date.now();
      const next = listenerClaim(args.body);
      const { claimed, read } = next ? await store.claimInOrder([delivery, next], next.thenRead) : { claimed: Number(await store.claimOnce(delivery.key, delivery.ttlSeconds)), read: undefined };
      if (claimed === 0) return drop();
      recent.add(delivery.key, askedAt);
      if (next) args.context[LISTENER_CLAIM_CONTEXT] = { key: next.key, won: claimed === 2, read } satisfies ClaimTaken;
    }
    await args.next();
  };
}
