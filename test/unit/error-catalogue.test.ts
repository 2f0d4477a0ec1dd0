import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogued } from '../../src/errors/error-catalogue.js';
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

describe('catalogued errors', () => {
  it('carry the entry code, its words made from the data, the remedy, and the data with its key', () => {
    const err = catalogued('manually-locked', { service: 'api', environment: 'production', by: 'U7', at: Date.UTC(2026, 0, 1, 14, 0), reason: 'ask <!here>' });
    expect(err).toMatchObject({ code: 'target-locked', data: { key: 'manually-locked', by: 'U7', reason: 'ask <!here>' } });
    expect(err.message).toBe('`api` in production is locked by <@U7> since 14:00 UTC: ask &lt;!here&gt;');
    expect(err.remedy).toBe('Ask <@U7>, or unlock it with /deploy unlock api production.');
    expect(catalogued('rollback-of-rollback', { runId: '9' }).remedy).toBeUndefined();
  });

  it('are the only errors thrown under src/run, src/use-cases and src/auth: no throw site words its own', () => {
    const root = join(import.meta.dirname, '../..');
    const files = ['src/run', 'src/use-cases', 'src/auth'].flatMap((dir) => sourceFiles(join(root, dir)));
    const worded = files.filter((file) => readFileSync(file, 'utf8').includes('new FlightdeckError('));
    expect(files.length).toBeGreaterThan(20);
    expect(worded.map((file) => relative(root, file))).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}
