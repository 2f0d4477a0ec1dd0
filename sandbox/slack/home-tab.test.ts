import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator } from './slack-emulator.js';
import type { SlackEmulator } from './slack-types.js';

const { WebClient, WebAPIPlatformError } = webApi;

let emulator: SlackEmulator;
let client: InstanceType<typeof WebClient>;

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const home = (blocks: unknown[] = [section('Hello')]) => ({ type: 'home' as const, blocks: blocks as never[] });

async function platformError(call: Promise<unknown>): Promise<{ error: string; messages: unknown }> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WebAPIPlatformError)) throw new Error(`expected WebAPIPlatformError, got ${String(error)}`);
  return { error: String(error.data.error), messages: error.data.response_metadata?.messages };
}

beforeEach(async () => {
  emulator = await startSlackEmulator();
  client = new WebClient(emulator.token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await emulator.close();
});

describe('views.publish (the Home tab)', () => {
  it('publishes a home view for a user and returns it as Slack does; a republish keeps the id and changes the hash', async () => {
    const first = await client.views.publish({ user_id: 'U0ALICE', view: home() });
    expect(first.view).toMatchObject({ type: 'home', close: null, submit: null, previous_view_id: null, app_id: emulator.appId });
    expect(emulator.homeView('U0ALICE')?.blocks).toHaveLength(1);
    const second = await client.views.publish({ user_id: 'U0ALICE', view: home([section('Again'), section('Twice')]), hash: first.view!.hash! });
    expect(second.view?.id).toBe(first.view?.id);
    expect(second.view?.hash).not.toBe(first.view?.hash);
    expect(emulator.homeView('U0ALICE')).toMatchObject({ publishes: 2 });
    expect(emulator.homeView('U0BOB')).toBeUndefined();
  });

  it('refuses what Slack refuses, in its words', async () => {
    expect(await platformError(client.apiCall('views.publish', { view: home() }))).toEqual({ error: 'invalid_arguments', messages: ['[ERROR] missing required field: user_id'] });
    expect(await platformError(client.views.publish({ user_id: 'U0GHOST', view: home() }))).toEqual({ error: 'invalid_arguments', messages: ['invalid `user_id`'] });
    expect(await platformError(client.apiCall('views.publish', { user_id: 'U0ALICE', view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] } }))).toEqual({
      error: 'invalid_arguments',
      messages: ['[ERROR] must be one of: home [json-pointer:/view/type]'],
    });
    const tooMany = Array.from({ length: 101 }, (_, i) => section(`line ${i}`));
    expect((await platformError(client.views.publish({ user_id: 'U0ALICE', view: home(tooMany) }))).error).toBe('invalid_arguments');
    await client.views.publish({ user_id: 'U0ALICE', view: home() });
    expect((await platformError(client.views.publish({ user_id: 'U0ALICE', view: home(), hash: '1.stale' }))).error).toBe('hash_conflict');
    expect(emulator.homeView('U0ALICE')).toMatchObject({ publishes: 1 });
  });

  it('is not_enabled for an app without a Home tab', async () => {
    const without = await startSlackEmulator({ homeTab: false });
    try {
      const other = new WebClient(without.token, { slackApiUrl: without.apiUrl, retryConfig: { retries: 0 } });
      expect((await platformError(other.views.publish({ user_id: 'U0ALICE', view: home() }))).error).toBe('not_enabled');
    } finally {
      await without.close();
    }
  });
});
