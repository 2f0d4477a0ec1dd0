import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../observability/create-logger.js';
import type { RespondTo } from './respond-to.js';

/** The interaction ids flightdeck has listeners for: button `action_id`s and modal `callback_id`s. */
export interface KnownInteractions {
  actions: readonly (string | RegExp)[];
  views: readonly string[];
}

const NOT_IN_USE =
  'This button is no longer in use by flightdeck (it may come from an older version of a message). Use `/deploy status` to find the run.';

function matches(id: string, patterns: readonly (string | RegExp)[]): boolean {
  return patterns.some((pattern) => (typeof pattern === 'string' ? pattern === id : pattern.test(id)));
}

/**
 * A click or modal submission no listener handles (a button from a message rendered by an older version,
 * an incident button while paging is not configured) would go unacknowledged, and after 3 s Slack shows the
 * person a generic error. This acks it at once and tells the clicker, changing nothing.
 */
export function ackUnknownInteractions(known: KnownInteractions, logger: Logger, respondTo: RespondTo): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as { type?: unknown; actions?: { action_id?: unknown }[]; view?: { callback_id?: unknown }; response_url?: unknown };
    const ack = 'ack' in args ? (args.ack as (response?: unknown) => Promise<void>) : undefined;
    if (ack && body.type === 'block_actions') {
      const actionId = body.actions?.[0]?.action_id;
      if (typeof actionId === 'string' && !matches(actionId, known.actions)) {
        logger.info({ actionId }, 'click on a button nothing handles');
        await ack();
        if (typeof body.response_url === 'string') {
          await respondTo(body.response_url)({ response_type: 'ephemeral', replace_original: false, text: NOT_IN_USE }).catch(() => undefined);
        }
        return;
      }
    }
    if (ack && body.type === 'view_submission') {
      const callbackId = body.view?.callback_id;
      if (typeof callbackId === 'string' && !known.views.includes(callbackId)) {
        logger.info({ callbackId }, 'submission of a form nothing handles');
        await ack();
        return;
      }
    }
    await args.next();
  };
}
