import { escapeMrkdwn } from './escape-mrkdwn.js';

const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;

/**
 * A person as Slack text. Actors are Slack user ids, except flightdeck itself (a guard that pauses a run) and
 * operators named on the command line (`flightdeck runs end --by ops-alice`, default `cli`): a mention of those
 * would show as a broken `<@flightdeck>`, so they are shown as the text they are.
 */
export function mentionOf(actor: string): string {
  return SLACK_USER_ID.test(actor) ? `<@${actor}>` : escapeMrkdwn(actor);
}
