import { FlightdeckError, type ErrorCode } from './flightdeck-error.js';

/** What a person reads for a coded error: the words (from the error's data) and what they can do about it. */
interface CatalogueEntry {
  text: (data: { method: string; slackError: string }) => string;
  remedy: string;
}

/*
 * Slack platform errors a person can act on. Each gets its own code, words and remedy here, so no listener
 * answers "internal error" for a trigger that expired or a channel the app was never invited to.
 */
const SLACK_PLATFORM_CODES: Readonly<Record<string, ErrorCode>> = {
  invalid_trigger_id: 'slack-trigger-expired',
  expired_trigger_id: 'slack-trigger-expired',
  exchanged_trigger_id: 'slack-trigger-expired',
  missing_scope: 'slack-missing-scope',
  channel_not_found: 'slack-channel-not-found',
  not_in_channel: 'slack-not-in-channel',
};

export const ERROR_CATALOGUE: Partial<Record<ErrorCode, CatalogueEntry>> = {
  'slack-trigger-expired': {
    text: ({ slackError }) => `Slack did not let me open the dialog (${slackError}): a dialog must open within 3 seconds of the click or command, once, and that moment had passed. Nothing was changed.`,
    remedy: 'Click the button or type the command again.',
  },
  'slack-missing-scope': {
    text: ({ method, slackError }) => `Slack refused ${method} (${slackError}): the flightdeck app lacks a permission (scope) it needs. Nothing was changed.`,
    remedy: 'Ask a Slack admin to reinstall flightdeck from its current manifest (`flightdeck manifest`), which lists every scope it needs.',
  },
  'slack-channel-not-found': {
    text: ({ method, slackError }) => `Slack refused ${method} (${slackError}): the channel does not exist or flightdeck cannot see it.`,
    remedy: 'Check the channel in flightdeck.yaml (`slack.defaultChannel` or the environment\'s `channel`), and invite the flightdeck app if it is private.',
  },
  'slack-not-in-channel': {
    text: ({ method, slackError }) => `Slack refused ${method} (${slackError}): the flightdeck app is not a member of the channel.`,
    remedy: 'Invite the flightdeck app to the channel (`/invite @flightdeck`), then try again.',
  },
};

/** The catalogued error for a Slack platform error (`data.error`), or undefined when it has no entry of its own. */
export function catalogueSlackError(slackError: string, method: string, cause: unknown): FlightdeckError | undefined {
  const code = SLACK_PLATFORM_CODES[slackError];
  const entry = code ? ERROR_CATALOGUE[code] : undefined;
  if (!code || !entry) return undefined;
  return new FlightdeckError(code, entry.text({ method, slackError }), { remedy: entry.remedy, cause });
}
