import { FlightdeckError } from './flightdeck-error.js';
import { ACCESS_REFUSALS } from './access-refusals.js';
import { LOCK_REFUSALS } from './lock-refusals.js';
import { RUN_REFUSALS } from './run-refusals.js';
import { STORE_ERRORS } from './store-errors.js';
import { WINDOW_REFUSALS } from './window-refusals.js';
import { DRY_RUN_REFUSALS } from './dry-run-refusals.js';
import { entry, type CatalogueEntry } from './catalogue-entry.js';

/*
 * The one catalogue of what people read for an error: a key, the stable code callers decide on, the words
 * made from the error's data, and the remedy. A throw site names the key and hands over its data
 * (`catalogued`); it never words anything itself.
 *
 * Slack platform errors a person can act on have entries of their own, so no listener answers "internal
 * error" for a trigger that expired or a channel the app was never invited to.
 */

interface SlackCall {
  method: string;
  slackError: string;
}

const SLACK_ERRORS = {
  'slack-trigger-expired': entry({
    code: 'slack-trigger-expired',
    text: ({ slackError }: SlackCall) =>
      `Slack did not let me open the dialog (${slackError}): a dialog must open within 3 seconds of the click or command, once, and that moment had passed. Nothing was changed.`,
    remedy: () => 'Click the button or type the command again.',
  }),
  'slack-missing-scope': entry({
    code: 'slack-missing-scope',
    text: ({ method, slackError }: SlackCall) => `Slack refused ${method} (${slackError}): the flightdeck app lacks a permission (scope) it needs. Nothing was changed.`,
    remedy: () => 'Ask a Slack admin to reinstall flightdeck from its current manifest (`flightdeck manifest`), which lists every scope it needs.',
  }),
  'slack-channel-not-found': entry({
    code: 'slack-channel-not-found',
    text: ({ method, slackError }: SlackCall) => `Slack refused ${method} (${slackError}): the channel does not exist or flightdeck cannot see it.`,
    remedy: () => "Check the channel in flightdeck.yaml (`slack.defaultChannel` or the environment's `channel`), and invite the flightdeck app if it is private.",
  }),
  'slack-not-in-channel': entry({
    code: 'slack-not-in-channel',
    text: ({ method, slackError }: SlackCall) => `Slack refused ${method} (${slackError}): the flightdeck app is not a member of the channel.`,
    remedy: () => 'Invite the flightdeck app to the channel (`/invite @flightdeck`), then try again.',
  }),
};

const CATALOGUE = { ...SLACK_ERRORS, ...RUN_REFUSALS, ...LOCK_REFUSALS, ...ACCESS_REFUSALS, ...STORE_ERRORS, ...WINDOW_REFUSALS, ...DRY_RUN_REFUSALS };

export type CatalogueKey = keyof typeof CATALOGUE;
/** The data an entry words: what its throw site must hand over. */
export type CatalogueData<K extends CatalogueKey> = Parameters<(typeof CATALOGUE)[K]['text']>[0];

/** The error for catalogue entry `key`, worded from `data`; the data stays on the error beside the key. */
export function catalogued<K extends CatalogueKey>(key: K, data: CatalogueData<K>, cause?: unknown): FlightdeckError {
  // One cast for the lookup: TypeScript cannot pair a generic key with its entry's parameter type.
  const entry = CATALOGUE[key] as CatalogueEntry<CatalogueData<K>>;
  const remedy = entry.remedy?.(data);
  return new FlightdeckError(entry.code, entry.text(data), {
    ...(remedy === undefined ? {} : { remedy }),
    ...(cause === undefined ? {} : { cause }),
    data: { key, ...(data as object) },
  });
}

const SLACK_PLATFORM_KEYS: Readonly<Record<string, keyof typeof SLACK_ERRORS>> = {
  invalid_trigger_id: 'slack-trigger-expired',
  expired_trigger_id: 'slack-trigger-expired',
  exchanged_trigger_id: 'slack-trigger-expired',
  missing_scope: 'slack-missing-scope',
  channel_not_found: 'slack-channel-not-found',
  not_in_channel: 'slack-not-in-channel',
};

/** The catalogued error for a Slack platform error (`data.error`), or undefined when it has no entry of its own. */
export function catalogueSlackError(slackError: string, method: string, cause: unknown): FlightdeckError | undefined {
  const key = SLACK_PLATFORM_KEYS[slackError];
  return key ? catalogued(key, { method, slackError }, cause) : undefined;
}

