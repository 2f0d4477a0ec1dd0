import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator } from './slack-emulator.js';
import type { SlackEmulator } from './slack-types.js';

const { WebClient, WebAPIPlatformError, WebAPIRequestError } = webApi;

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

/** Posts `texts` one second apart (ts 1700000001.000000, …2, …) and returns their ts. */
async function postSeconds(texts: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const text of texts) {
    clock += 1000;
    out.push((await client.chat.postMessage({ channel: 'C0DEPLOY', text })).ts!);
  }
  return out;
}

beforeEach(async () => {
  clock = 1_700_000_000_000;
  emulator = await startSlackEmulator({ now: () => clock });
  client = new WebClient(emulator.token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await emulator.close();
});

describe('Slack emulator conversations.history with the real WebClient', () => {
  it('returns top-level messages newest first, bot messages with bot_id and app_id, without replies', async () => {
    const [first, second] = await postSeconds(['one', 'two']);
    await client.chat.postMessage({ channel: 'C0DEPLOY', thread_ts: first!, text: 'a reply' });
    const res = await client.conversations.history({ channel: 'C0DEPLOY' });
    expect(res.ok).toBe(true);
    expect(res.has_more).toBe(false);
    expect(res.response_metadata?.next_cursor ?? '').toBe('');
    expect(res.messages?.map((m) => m.text)).toEqual(['two', 'one']);
    expect(res.messages?.[0]).toMatchObject({ type: 'message', ts: second, user: 'U0BOT', bot_id: 'B0BOT', app_id: 'A0BOT' });
    expect(res.messages?.[1]).toMatchObject({ ts: first, thread_ts: first, reply_count: 1 });
  });

  it('treats oldest and latest as exclusive unless inclusive is set', async () => {
    const ts = await postSeconds(['a', 'b', 'c', 'd']);
    const texts = async (args: { oldest?: string; latest?: string; inclusive?: boolean }) =>
      (await client.conversations.history({ channel: 'C0DEPLOY', ...args })).messages?.map((m) => m.text);
    expect(await texts({ oldest: ts[1] })).toEqual(['d', 'c']);
    expect(await texts({ latest: ts[2] })).toEqual(['b', 'a']);
    expect(await texts({ oldest: ts[1], latest: ts[3], inclusive: true })).toEqual(['d', 'c', 'b']);
    expect(await texts({ oldest: '1700000002.5' })).toEqual(['d', 'c']);
    expect(await texts({ oldest: '1700000002' })).toEqual(['d', 'c']);
    expect(await platformError(client.conversations.history({ channel: 'C0DEPLOY', oldest: 'yesterday' }))).toBe('invalid_ts_oldest');
    expect(await platformError(client.conversations.history({ channel: 'C0DEPLOY', latest: '-1' }))).toBe('invalid_ts_latest');
  });

  it('pages by limit with has_more and response_metadata.next_cursor, and refuses a made-up cursor', async () => {
    await postSeconds(['a', 'b', 'c', 'd', 'e']);
    const seen: string[] = [];
    let cursor: string | undefined;
    const pages: boolean[] = [];
    do {
      const res = await client.conversations.history({ channel: 'C0DEPLOY', limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...(res.messages ?? []).map((m) => m.text ?? ''));
      pages.push(res.has_more ?? false);
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor);
    expect(seen).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(pages).toEqual([true, true, false]);
    expect(await platformError(client.conversations.history({ channel: 'C0DEPLOY', cursor: 'not-a-cursor' }))).toBe('invalid_cursor');
  });

  it('defaults limit to 100 and caps it at 999', async () => {
    for (let i = 0; i < 1000; i++) emulator.addUserMessage('C0DEPLOY', { user: 'U0ALICE', text: `m${i}` });
    const byDefault = await client.conversations.history({ channel: 'C0DEPLOY' });
    expect(byDefault.messages).toHaveLength(100);
    expect(byDefault.messages?.[0]?.text).toBe('m999');
    const capped = await client.conversations.history({ channel: 'C0DEPLOY', limit: 5000 });
    expect(capped.messages).toHaveLength(999);
    expect(capped.has_more).toBe(true);
  });

  it('stores metadata sent with chat.postMessage and returns it only with include_all_metadata', async () => {
    const metadata = { event_type: 'flightdeck_run', event_payload: { run_id: '42', created_at: 1700000000000 } };
    const posted = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'run 42', metadata });
    expect(emulator.calls.at(-1)?.args.metadata).toEqual(metadata);
    expect(emulator.message('C0DEPLOY', posted.ts!)?.metadata).toEqual(metadata);
    const plain = await client.conversations.history({ channel: 'C0DEPLOY' });
    expect(plain.messages?.[0]).not.toHaveProperty('metadata');
    const withMetadata = await client.conversations.history({ channel: 'C0DEPLOY', include_all_metadata: true });
    expect(withMetadata.messages?.[0]?.metadata).toEqual(metadata);
    // chat.update without metadata leaves it as it was.
    await client.chat.update({ channel: 'C0DEPLOY', ts: posted.ts!, text: 'run 42, edited' });
    expect(emulator.message('C0DEPLOY', posted.ts!)?.metadata).toEqual(metadata);
    expect(
      await platformError(client.apiCall('chat.postMessage', { channel: 'C0DEPLOY', text: 'x', metadata: '{"event_payload":{}}' })),
    ).toBe('invalid_metadata_format');
  });

  it('answers channel_not_found for an unknown channel, and injected scope errors through failNext', async () => {
    expect(await platformError(client.conversations.history({ channel: 'C0NOWHERE' }))).toBe('channel_not_found');
    emulator.failNext('conversations.history', 1, { error: 'missing_scope' });
    expect(await platformError(client.conversations.history({ channel: 'C0DEPLOY' }))).toBe('missing_scope');
    expect((await client.conversations.history({ channel: 'C0DEPLOY' })).ok).toBe(true);
  });
});

describe('Slack emulator dropped answers', () => {
  it('applies the call, then destroys the connection: the caller sees a network error', async () => {
    emulator.dropAnswerNext('chat.postMessage', 1);
    const error: unknown = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'lost answer' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIRequestError);
    expect(emulator.messages('C0DEPLOY').map((m) => m.text)).toEqual(['lost answer']);
    expect(emulator.calls.at(-1)).toMatchObject({ method: 'chat.postMessage', dropped: true, response: { ok: true } });
    const next = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'answered' });
    expect(next.ok).toBe(true);
    expect(emulator.calls.at(-1)).not.toHaveProperty('dropped');
  });

  it('counts only calls that reach the method, per method', async () => {
    emulator.dropAnswerNext('chat.postMessage', 1);
    emulator.failNext('chat.postMessage', 1, { error: 'internal_error' });
    expect(await platformError(client.chat.postMessage({ channel: 'C0DEPLOY', text: 'refused' }))).toBe('internal_error');
    expect((await client.auth.test()).ok).toBe(true);
    await expect(client.chat.postMessage({ channel: 'C0DEPLOY', text: 'posted, answer lost' })).rejects.toBeInstanceOf(WebAPIRequestError);
    expect((await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'posted' })).ok).toBe(true);
    expect(emulator.messages('C0DEPLOY').map((m) => m.text)).toEqual(['posted, answer lost', 'posted']);
  });

  it('shows why a retrying client duplicates a post whose answer was lost', async () => {
    emulator.dropAnswerNext('chat.postMessage', 1);
    const retrying = new WebClient(emulator.token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 1, minTimeout: 0 } });
    const res = await retrying.chat.postMessage({ channel: 'C0DEPLOY', text: 'once' });
    expect(res.ok).toBe(true);
    expect(emulator.messages('C0DEPLOY').map((m) => m.text)).toEqual(['once', 'once']);
  });
});
