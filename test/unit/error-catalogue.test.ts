import { describe, expect, it } from 'vitest';
import { toUserText } from '../../src/errors/user-text.js';
import { toSlackError } from '../../src/slack/slack-notifier.js';

/** A Web API failure as @slack/web-api throws it for `{ ok: false, error }`. */
function platformError(error: string): Error {
  return Object.assign(new Error(`An API error occurred: ${error}`), { code: 'slack_webapi_platform_error', data: { ok: false, error } });
}

describe('Slack platform errors a person can act on', () => {
  it.each([
    ['expired_trigger_id', 'views.open', 'slack-trigger-expired', 'Click the button or type the command again.'],
    ['invalid_trigger_id', 'views.open', 'slack-trigger-expired', 'Click the button or type the command again.'],
    ['exchanged_trigger_id', 'views.open', 'slack-trigger-expired', 'Click the button or type the command again.'],
    ['missing_scope', 'chat.postMessage', 'slack-missing-scope', 'reinstall flightdeck'],
    ['channel_not_found', 'chat.postMessage', 'slack-channel-not-found', 'Check the channel in flightdeck.yaml'],
    ['not_in_channel', 'chat.postMessage', 'slack-not-in-channel', 'Invite the flightdeck app'],
  ])('%s from %s has its own code, words and remedy', (slackError, method, code, remedy) => {
    const err = toSlackError(platformError(slackError), method);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(false);
    const text = toUserText(err, 'ref');
    expect(text).toContain(remedy);
    expect(text).not.toContain('internal error');
  });

  it('keeps other platform errors in the generic Slack codes', () => {
    expect(toSlackError(platformError('ratelimited'), 'chat.update').code).toBe('slack-failed');
    expect(toSlackError(platformError('invalid_auth'), 'chat.update').code).toBe('slack-rejected');
  });
});
