import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { toUserText } from '../errors/user-text.js';
import type { Logger } from '../observability/create-logger.js';
import { findMalformedInteraction } from './find-malformed-interaction.js';

const UNREADABLE_FORM = new FlightdeckError('usage', 'flightdeck could not read this form, so it changed nothing.', {
  remedy: 'Close it and open it again from the message or command that showed it.',
});

function noticeView(text: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'flightdeck' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

/** Slash commands, clicks, modal submissions and the events below: the only deliveries flightdeck has listeners for. */
const HANDLED_TYPES: ReadonlySet<unknown> = new Set(['block_actions', 'view_submission']);
/** Events API callbacks flightdeck subscribes to (the manifest's `bot_events`). */
const HANDLED_EVENTS: ReadonlySet<unknown> = new Set(['app_home_opened']);

/**
 * The `type` of an interaction flightdeck has no listener for (a shortcut, a closed modal, a legacy
 * attachment button, a type Slack may add later), else undefined. Bolt would leave these unacknowledged,
 * or drop an unknown type without a word, and Slack would show the person an error after 3 s.
 */
function unhandledInteractionType(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || 'command' in body) return undefined;
  const { type, event } = body as { type?: unknown; event?: { type?: unknown } };
  if (type === 'event_callback') return HANDLED_EVENTS.has(event?.type) ? undefined : `event_callback ${String(event?.type)}`;
  return HANDLED_TYPES.has(type) ? undefined : String(type);
}

/**
 * Puts {@link findMalformedInteraction} in front of Bolt's dispatch, over HTTP and Socket Mode alike: a click
 * or modal submission with a missing or wrong-typed field is acknowledged and goes no further, so no
 * middleware or listener runs and nothing changes. A form is replaced with a notice saying it was not read;
 * a click gets an empty ack, since its `response_url` is among what cannot be trusted. Slack never sends
 * such bodies; what matters is that one cannot fail with a 500 or half-run a listener. Interactions of a
 * type flightdeck has no listener for are acknowledged and dropped the same way.
 */
export function refuseMalformedInteractions(receiver: Receiver, logger: Logger): Receiver {
  return {
    init(app: App) {
      const processEvent = async (event: ReceiverEvent): Promise<void> => {
        const unhandled = unhandledInteractionType(event.body);
        if (unhandled !== undefined) {
          logger.info({ type: unhandled }, 'interaction of a type flightdeck does not handle');
          return event.ack();
        }
        const malformed = findMalformedInteraction(event.body);
        if (!malformed) return app.processEvent(event);
        logger.warn(malformed, 'malformed interaction refused');
        await event.ack(malformed.type === 'view_submission' ? { response_action: 'update', view: noticeView(toUserText(UNREADABLE_FORM)) } : undefined);
      };
      // Bolt's receivers use nothing of the app but `processEvent`; handing them the app with a checking
      // `processEvent` in front keeps Bolt's dispatch, middleware and listeners exactly as registered.
      receiver.init(Object.create(app, { processEvent: { value: processEvent } }) as App);
    },
    start: (...args) => receiver.start(...args),
    stop: (...args) => receiver.stop(...args),
  };
}
