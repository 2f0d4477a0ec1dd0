import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator } from './slack-emulator.js';
import type { SlackEmulator } from './slack-types.js';

const { WebClient, WebAPIPlatformError, WebAPIRateLimitedError } = webApi;

let emulator: SlackEmulator;
let client: InstanceType<typeof WebClient>;
let clock: number;

async function platformError(call: Promise<unknown>): Promise<string> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WebAPIPlatformError)) throw new Error(`expected WebAPIPlatformError, got ${String(error)}`);
  return String(error.data.error);
}

beforeEach(async () => {
  clock = Date.now();
  emulator = await startSlackEmulator({ now: () => clock, usergroups: { S0OPS: ['U0ALICE'] }, channels: ['C0DEPLOY', 'C0OTHER'] });
  client = new WebClient(emulator.token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
});

afterEach(async () => {
  await emulator.close();
});

describe('users and user groups', () => {
  it('looks users up by email (case-insensitively) and answers the plural users_not_found', async () => {
    emulator.addUser({ id: 'U0CAROL', name: 'carol', email: 'Carol@Example.com' });
    const res = await client.users.lookupByEmail({ email: 'carol@example.com' });
    expect(res.user).toMatchObject({ id: 'U0CAROL', name: 'carol', profile: { email: 'Carol@Example.com' } });
    expect((await client.users.info({ user: 'U0CAROL' })).user?.name).toBe('carol');
    expect(await platformError(client.users.lookupByEmail({ email: 'ghost@example.com' }))).toBe('users_not_found');
  });

  it('lists user-group members from options and addUsergroup, replacing members on re-add', async () => {
    expect((await client.usergroups.users.list({ usergroup: 'S0OPS' })).users).toEqual(['U0ALICE']);
    emulator.addUsergroup('S0OPS', ['U0ALICE', 'U0BOB']);
    emulator.addUsergroup('S0SEC', []);
    expect((await client.usergroups.users.list({ usergroup: 'S0OPS' })).users).toEqual(['U0ALICE', 'U0BOB']);
    expect((await client.usergroups.users.list({ usergroup: 'S0SEC' })).users).toEqual([]);
    expect(await platformError(client.usergroups.users.list({ usergroup: 'S0NOPE' }))).toBe('no_such_subteam');
  });
});

describe('conversations.open and DMs', () => {
  it('opens a D channel once, then answers already_open, and stores what is posted there', async () => {
    const first = await client.conversations.open({ users: 'U0BOB' });
    const dm = first.channel?.id ?? '';
    expect(dm).toMatch(/^D0[A-Z0-9]{10}$/);
    expect(first).not.toHaveProperty('already_open');
    const again = await client.conversations.open({ users: 'U0BOB' });
    expect(again).toMatchObject({ no_op: true, already_open: true, channel: { id: dm } });
    expect(emulator.dmChannel('U0BOB')).toBe(dm);
    expect(emulator.dmChannel('U0ALICE')).toBeUndefined();
    await client.chat.postMessage({ channel: dm, text: 'Your sign-off is needed' });
    expect(emulator.messages(dm).map((m) => m.text)).toEqual(['Your sign-off is needed']);
  });

  it('refuses unknown users and an empty list', async () => {
    expect(await platformError(client.conversations.open({ users: 'U0GHOST' }))).toBe('user_not_found');
    expect(await platformError(client.apiCall('conversations.open', {}))).toBe('users_list_not_supplied');
    expect(await platformError(client.conversations.open({ channel: 'D0NOTOPENED' }))).toBe('channel_not_found');
  });
});

describe('chat.getPermalink', () => {
  it('links top-level messages and thread replies', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'run' });
    const reply = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'step', thread_ts: parent.ts! });
    const top = await client.chat.getPermalink({ channel: 'C0DEPLOY', message_ts: parent.ts! });
    expect(top.permalink).toBe(`https://acme.slack.com/archives/C0DEPLOY/p${parent.ts!.replace('.', '')}`);
    const threaded = await client.chat.getPermalink({ channel: 'C0DEPLOY', message_ts: reply.ts! });
    expect(threaded.permalink).toBe(
      `https://acme.slack.com/archives/C0DEPLOY/p${reply.ts!.replace('.', '')}?thread_ts=${parent.ts}&cid=C0DEPLOY`,
    );
    expect(await platformError(client.chat.getPermalink({ channel: 'C0DEPLOY', message_ts: '1.000001' }))).toBe('message_not_found');
    expect(await platformError(client.chat.getPermalink({ channel: 'C0NOPE', message_ts: parent.ts! }))).toBe('channel_not_found');
  });
});

describe('per-channel rate limits', () => {
  it('answers 429 + Retry-After past the limit, per channel, until the window moves on', async () => {
    const a = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'a' });
    const b = await client.chat.postMessage({ channel: 'C0OTHER', text: 'b' });
    emulator.rateLimit({ method: 'chat.update', perChannelPerSecond: 1 });
    await client.chat.update({ channel: 'C0DEPLOY', ts: a.ts!, text: 'a1' });
    const error: unknown = await client.chat.update({ channel: 'C0DEPLOY', ts: a.ts!, text: 'a2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as InstanceType<typeof WebAPIRateLimitedError>).retryAfter).toBe(1);
    await client.chat.update({ channel: 'C0OTHER', ts: b.ts!, text: 'b1' });
    expect((await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'posts are not limited' })).ok).toBe(true);
    clock += 1000;
    await client.chat.update({ channel: 'C0DEPLOY', ts: a.ts!, text: 'a3' });
    const throttled = emulator.calls.filter((c) => c.status === 429);
    expect(throttled).toEqual([expect.objectContaining({ method: 'chat.update', args: expect.objectContaining({ text: 'a2' }) })]);
    expect(throttled[0]?.response).toEqual({ ok: false, error: 'ratelimited' });
    expect(emulator.message('C0DEPLOY', a.ts!)).toMatchObject({ text: 'a3', edits: 2 });
  });

  it('limits file shares by the channel they go to (`channel_id`)', async () => {
    emulator.rateLimit({ method: 'files.completeUploadExternal', perChannelPerSecond: 1 });
    const share = (channel_id: string) => client.filesUploadV2({ channel_id, filename: 'a.md', content: 'x' });
    await share('C0DEPLOY');
    expect(await share('C0DEPLOY').catch((e: unknown) => e)).toBeInstanceOf(WebAPIRateLimitedError);
    await share('C0OTHER');
    expect(emulator.calls.filter((c) => c.status === 429).map((c) => [c.method, c.args.channel_id])).toEqual([['files.completeUploadExternal', 'C0DEPLOY']]);
  });

  it('rejects a nonsensical limit and can be cleared', async () => {
    expect(() => emulator.rateLimit({ method: 'chat.update', perChannelPerSecond: 0 })).toThrow(/whole number >= 1/);
    const a = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'a' });
    emulator.rateLimit({ method: 'chat.update', perChannelPerSecond: 1 });
    emulator.clearRateLimits();
    await client.chat.update({ channel: 'C0DEPLOY', ts: a.ts!, text: 'a1' });
    await client.chat.update({ channel: 'C0DEPLOY', ts: a.ts!, text: 'a2' });
    expect(emulator.calls.every((c) => c.status === 200)).toBe(true);
  });
});
