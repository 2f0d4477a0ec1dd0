import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackEmulator } from './slack-emulator.js';
import type { SlackEmulator } from './slack-types.js';

const { WebClient, WebAPIPlatformError } = webApi;

let emulator: SlackEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: Parameters<typeof startSlackEmulator>[0]) {
  emulator = await startSlackEmulator(options);
  return { emulator, client: new WebClient(emulator.token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } }) };
}

async function refusal(call: Promise<unknown>): Promise<Record<string, unknown>> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WebAPIPlatformError)) throw new Error(`expected WebAPIPlatformError, got ${String(error)}`);
  return error.data as unknown as Record<string, unknown>;
}

describe('Slack emulator bot scopes', () => {
  it('names the granted scopes in x-oauth-scopes, which the WebClient puts in response_metadata.scopes', async () => {
    const { client } = await start({ scopes: ['chat:write', 'commands'] });
    const res = await client.auth.test();
    expect(res.response_metadata?.scopes).toEqual(['chat:write', 'commands']);
  });

  it('refuses a method whose scope was not granted, as Slack does: missing_scope with needed and provided', async () => {
    const { client, emulator: e } = await start({ scopes: ['chat:write'] });
    expect(await refusal(client.users.lookupByEmail({ email: 'alice@example.com' }))).toMatchObject({
      ok: false,
      error: 'missing_scope',
      needed: 'users:read.email',
      provided: 'chat:write',
    });
    expect(await refusal(client.usergroups.users.list({ usergroup: 'S0DEPLOY' }))).toMatchObject({ error: 'missing_scope', needed: 'usergroups:read' });
    await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'allowed' });
    expect(e.messages('C0DEPLOY').map((m) => m.text)).toEqual(['allowed']);
  });

  it('asks groups:history for a private channel and channels:history for a public one', async () => {
    const { client } = await start({ channels: ['C0PUBLIC'], privateChannels: ['C0SECRET'], scopes: ['channels:history'] });
    await expect(client.conversations.history({ channel: 'C0PUBLIC' })).resolves.toMatchObject({ ok: true });
    expect(await refusal(client.conversations.history({ channel: 'C0SECRET' }))).toMatchObject({ error: 'missing_scope', needed: 'groups:history' });
  });

  it('asks im:write to open a DM and mpim:write for a group DM', async () => {
    const { client } = await start({ scopes: ['im:write'] });
    await expect(client.conversations.open({ users: 'U0ALICE' })).resolves.toMatchObject({ ok: true });
    expect(await refusal(client.conversations.open({ users: 'U0ALICE,U0BOB' }))).toMatchObject({ error: 'missing_scope', needed: 'mpim:write' });
  });
});
