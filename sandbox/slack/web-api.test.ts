import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator } from './slack-emulator.js';
import type { SlackEmulator } from './slack-types.js';

const { WebClient, WebAPIPlatformError, WebAPIHTTPError, WebAPIRateLimitedError } = webApi;

let emulator: SlackEmulator;
let client: InstanceType<typeof WebClient>;

const approveBlocks = [
  { type: 'section', text: { type: 'mrkdwn', text: '*Deploy web v1.4.2*' } },
  {
    type: 'actions',
    block_id: 'gate-3',
    elements: [{ type: 'button', action_id: 'gate.approve', value: 'deploy:42:3', text: { type: 'plain_text', text: 'Approve' } }],
  },
];

/** The Slack error code of a rejected call, or a failure if it did not reject that way. */
async function platformError(call: Promise<unknown>): Promise<string> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WebAPIPlatformError)) throw new Error(`expected WebAPIPlatformError, got ${String(error)}`);
  return String(error.data.error);
}

beforeEach(async () => {
  emulator = await startSlackEmulator();
  client = new WebClient(emulator.token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await emulator.close();
});

describe('Slack emulator Web API with the real WebClient', () => {
  it('answers auth.test with the bot identity', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({
      ok: true,
      url: emulator.url,
      team_id: 'T0TEST',
      user_id: 'U0BOT',
      bot_id: 'B0BOT',
      is_enterprise_install: false,
    });
    expect(emulator.calls[0]).toMatchObject({ method: 'auth.test', token: 'xoxb-test', status: 200 });
  });

  it('posts messages with unique per-channel ts and records parsed blocks', async () => {
    const first = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'Deploy web', blocks: approveBlocks });
    const second = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'again' });
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(second.ts).not.toBe(first.ts);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(first.message).toMatchObject({ type: 'message', text: 'Deploy web', bot_id: 'B0BOT', ts: first.ts });
    expect(emulator.messages('C0DEPLOY').map((m) => m.text)).toEqual(['Deploy web', 'again']);
    const call = emulator.calls.find((c) => c.method === 'chat.postMessage');
    expect(call?.args.blocks).toEqual(approveBlocks);
    // Slack fills in block ids the app left out.
    expect(emulator.message('C0DEPLOY', first.ts!)?.blocks[0]?.block_id).toEqual(expect.any(String));
  });

  it('threads replies under their parent, also when replying to a reply', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'parent' });
    const reply = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'r1', thread_ts: parent.ts! });
    await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'r2', thread_ts: reply.ts! });
    expect(emulator.messages('C0DEPLOY')).toHaveLength(1);
    expect(emulator.thread('C0DEPLOY', parent.ts!).map((m) => m.text)).toEqual(['r1', 'r2']);
    expect(reply.message?.thread_ts).toBe(parent.ts);
  });

  it('updates bot messages in place and counts edits', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'step 1 pending', blocks: approveBlocks });
    const updated = await client.chat.update({ channel: 'C0DEPLOY', ts: posted.ts!, text: 'step 1 done' });
    expect(updated).toMatchObject({ ok: true, ts: posted.ts, text: 'step 1 done' });
    const stored = emulator.message('C0DEPLOY', posted.ts!);
    expect(stored).toMatchObject({ text: 'step 1 done', edits: 1 });
    expect(stored?.blocks).toHaveLength(2); // omitted blocks are kept
    await client.chat.update({ channel: 'C0DEPLOY', ts: posted.ts!, text: 'x', blocks: [] });
    expect(emulator.message('C0DEPLOY', posted.ts!)).toMatchObject({ edits: 2, blocks: [] });
  });

  it('refuses bad updates with Slack error codes', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'hi' });
    const human = emulator.addUserMessage('C0DEPLOY', { user: 'U0ALICE', text: 'mine' });
    expect(await platformError(client.chat.update({ channel: 'C0DEPLOY', ts: '1.000001', text: 'x' }))).toBe('message_not_found');
    expect(await platformError(client.chat.update({ channel: 'C0DEPLOY', ts: human.ts, text: 'x' }))).toBe('cant_update_message');
    expect(await platformError(client.chat.update({ channel: 'C0DEPLOY', ts: posted.ts!, text: 'y'.repeat(4001) }))).toBe('msg_too_long');
    expect(emulator.message('C0DEPLOY', posted.ts!)).toMatchObject({ text: 'hi', edits: 0 });
  });

  it('posts ephemerals separately from channel history', async () => {
    const res = await client.chat.postEphemeral({ channel: 'C0DEPLOY', user: 'U0ALICE', text: 'only you' });
    expect(res.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(emulator.ephemerals).toEqual([expect.objectContaining({ user: 'U0ALICE', text: 'only you', via: 'api' })]);
    expect(emulator.messages('C0DEPLOY')).toEqual([]);
    expect(await platformError(client.chat.update({ channel: 'C0DEPLOY', ts: res.message_ts!, text: 'x' }))).toBe('message_not_found');
  });

  it('validates channel, text and blocks on chat.postMessage', async () => {
    expect(await platformError(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).toBe('channel_not_found');
    expect(await platformError(client.apiCall('chat.postMessage', { channel: 'C0DEPLOY' }))).toBe('no_text');
    expect(await platformError(client.apiCall('chat.postMessage', { channel: 'C0DEPLOY', blocks: '{"type":"divider"}' }))).toBe(
      'invalid_blocks_format',
    );
    expect(await platformError(client.apiCall('chat.postMessage', { channel: 'C0DEPLOY', blocks: 'not json' }))).toBe(
      'invalid_blocks_format',
    );
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    const error: unknown = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'x', blocks: tooMany }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIPlatformError);
    expect((error as InstanceType<typeof WebAPIPlatformError>).data).toMatchObject({
      error: 'invalid_blocks',
      response_metadata: { messages: [expect.stringContaining('no more than 50 items')] },
    });
    expect(emulator.messages('C0DEPLOY')).toEqual([]);
  });

  it('checks the bearer token and unknown methods', async () => {
    const anonymous = new WebClient(undefined, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
    expect(await platformError(anonymous.auth.test())).toBe('not_authed');
    expect(await platformError(wrong.auth.test())).toBe('invalid_auth');
    expect(await platformError(client.apiCall('chat.frobnicate', {}))).toBe('unknown_method');
  });

  it('accepts JSON bodies as well as form bodies', async () => {
    const res = await fetch(`${emulator.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-test' },
      body: JSON.stringify({ channel: 'C0DEPLOY', text: 'json', blocks: approveBlocks }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; ts: string };
    expect(body.ok).toBe(true);
    expect(emulator.message('C0DEPLOY', body.ts)?.blocks[1]?.block_id).toBe('gate-3');
  });

  it('answers users.info for known users only', async () => {
    const res = await client.users.info({ user: 'U0ALICE' });
    expect(res.user).toMatchObject({ id: 'U0ALICE', name: 'alice', is_bot: false });
    expect(await platformError(client.users.info({ user: 'U0GHOST' }))).toBe('user_not_found');
  });
});

describe('Slack emulator fault injection', () => {
  it('rate-limits with 429 + Retry-After as WebClient understands it', async () => {
    emulator.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });
    const strict = new WebClient(emulator.token, {
      slackApiUrl: emulator.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    const error: unknown = await strict.chat.postMessage({ channel: 'C0DEPLOY', text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as InstanceType<typeof WebAPIRateLimitedError>).retryAfter).toBe(1);
    expect(emulator.calls.at(-1)).toMatchObject({ status: 429, response: { ok: false, error: 'ratelimited' } });
    expect(emulator.messages('C0DEPLOY')).toEqual([]);
  });

  it('lets a retrying WebClient wait out Retry-After and then succeed', async () => {
    emulator.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });
    const patient = new WebClient(emulator.token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 1, minTimeout: 0 } });
    const pauses: number[] = [];
    patient.on(webApi.WebClientEvent.RATE_LIMITED, (seconds: number) => pauses.push(seconds));
    const started = Date.now();
    const res = await patient.chat.postMessage({ channel: 'C0DEPLOY', text: 'after pause' });
    expect(res.ok).toBe(true);
    expect(pauses).toEqual([1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(emulator.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
  });

  it('injects HTTP 500 and platform errors for a number of calls', async () => {
    emulator.failNext('chat.update', 1, { status: 500 });
    emulator.failNext('chat.postMessage', 2, { error: 'is_archived' });
    const posted = client.chat.update({ channel: 'C0DEPLOY', ts: '1.000001', text: 'x' });
    const error: unknown = await posted.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIHTTPError);
    expect((error as InstanceType<typeof WebAPIHTTPError>).statusCode).toBe(500);
    expect(await platformError(client.chat.postMessage({ channel: 'C0DEPLOY', text: 'a' }))).toBe('is_archived');
    expect(await platformError(client.chat.postMessage({ channel: 'C0DEPLOY', text: 'b' }))).toBe('is_archived');
    expect((await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'c' })).ok).toBe(true);
  });

  it('waitFor resolves with the predicate value and times out with state', async () => {
    setTimeout(() => void client.chat.postMessage({ channel: 'C0DEPLOY', text: 'later' }), 50);
    const message = await emulator.waitFor((e) => e.messages('C0DEPLOY')[0], 1000);
    expect(message.text).toBe('later');
    await expect(emulator.waitFor(() => false, 100, 'a second message')).rejects.toThrow(
      /timed out after 100 ms: a second message[\s\S]*chat\.postMessage→ok/,
    );
  });
});
