import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackEmulator } from './slack-emulator.js';
import type { SlackEmulator, SlackEmulatorOptions } from './slack-types.js';

const { WebClient, WebAPIPlatformError } = webApi;

let emulator: SlackEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: SlackEmulatorOptions = {}) {
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

describe('Slack emulator files.uploadV2 flow', () => {
  it('shares a file in a thread through filesUploadV2 (get URL, POST the bytes, complete) and keeps its exact bytes', async () => {
    const { client, emulator: e } = await start();
    const parent = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'run #1' });
    const text = '# Deployment log\n\nünïcödé ✓\n';
    const result = await client.filesUploadV2({ channel_id: 'C0DEPLOY', thread_ts: parent.ts!, filename: 'run-1.md', title: 'Deployment log', content: text });
    expect(result.ok).toBe(true);
    expect(e.files).toHaveLength(1);
    expect(e.files[0]).toMatchObject({ name: 'run-1.md', title: 'Deployment log', channel: 'C0DEPLOY', threadTs: parent.ts, user: e.botUserId });
    expect(e.files[0]!.content.toString('utf8')).toBe(text);
    expect(e.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'files.getUploadURLExternal', 'files.completeUploadExternal']);
  });

  it('shares a file with blocks as a thread reply of its own, listing the file', async () => {
    const { client, emulator: e } = await start();
    const parent = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'run #1' });
    const blocks = [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: '*Deployment summary*' } }];
    await client.filesUploadV2({ channel_id: 'C0DEPLOY', thread_ts: parent.ts!, filename: 'run-1.md', title: 'Deployment log', content: 'log', blocks });
    const [share] = e.thread('C0DEPLOY', parent.ts!);
    expect(share).toMatchObject({ text: '', blocks, botId: e.botId, files: [{ id: e.files[0]!.id, name: 'run-1.md', title: 'Deployment log' }] });
  });

  it('takes the initial comment as the share message text and ignores blocks beside it, as Slack documents', async () => {
    const { client, emulator: e } = await start();
    const blocks = [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'ignored' } }];
    await client.filesUploadV2({ channel_id: 'C0DEPLOY', filename: 'a.md', content: 'x', initial_comment: 'here it is', blocks });
    expect(e.messages('C0DEPLOY').at(-1)).toMatchObject({ text: 'here it is', blocks: [], files: [{ name: 'a.md' }] });
    const history = await client.conversations.history({ channel: 'C0DEPLOY' });
    expect(history.messages?.[0]).toMatchObject({ text: 'here it is', files: [{ name: 'a.md', title: 'a.md' }], upload: true });
  });

  it('refuses blocks chat.postMessage would refuse, in Slack words, and shares nothing', async () => {
    const { client, emulator: e } = await start();
    const ticket = await client.files.getUploadURLExternal({ filename: 'a.md', length: 1 });
    await fetch(ticket.upload_url!, { method: 'POST', body: 'x' });
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    const refused = await refusal(client.apiCall('files.completeUploadExternal', { files: JSON.stringify([{ id: ticket.file_id }]), channel_id: 'C0DEPLOY', blocks: JSON.stringify(tooMany) }));
    expect(refused).toMatchObject({ error: 'invalid_blocks' });
    expect(await refusal(client.apiCall('files.completeUploadExternal', { files: JSON.stringify([{ id: ticket.file_id }]), channel_id: 'C0DEPLOY', blocks: '[{' }))).toMatchObject({ error: 'invalid_blocks_format' });
    expect([e.files, e.messages('C0DEPLOY')]).toEqual([[], []]);
  });

  it('accepts raw bytes at the upload URL, answers OK with their length, and 404 for an unknown URL', async () => {
    const { client, emulator: e } = await start();
    const ticket = await client.files.getUploadURLExternal({ filename: 'a.md', length: 5 });
    const ok = await fetch(ticket.upload_url!, { method: 'POST', body: 'hello' });
    expect([ok.status, await ok.text()]).toEqual([200, 'OK - 5']);
    const unknown = await fetch(`${e.url}upload/v1/nope`, { method: 'POST', body: 'x' });
    expect(unknown.status).toBe(404);
    await client.files.completeUploadExternal({ files: [{ id: ticket.file_id! }] });
    expect(e.files[0]).toMatchObject({ name: 'a.md', title: 'a.md' });
    expect(e.files[0]!.channel).toBeUndefined();
  });

  it('refuses missing arguments in Slack words: invalid_arguments with [ERROR] lines', async () => {
    const { client } = await start();
    expect(await refusal(client.apiCall('files.getUploadURLExternal', { length: 3 }))).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] missing required field: filename'] },
    });
    expect(await refusal(client.apiCall('files.getUploadURLExternal', { filename: 'a.md', length: 'x' }))).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] invalid value for field: length'] },
    });
    expect(await refusal(client.apiCall('files.completeUploadExternal', { channel_id: 'C0DEPLOY' }))).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] missing required field: files'] },
    });
  });

  it('will not complete a file whose bytes were never uploaded, nor one completed already', async () => {
    const { client, emulator: e } = await start();
    const ticket = await client.files.getUploadURLExternal({ filename: 'a.md', length: 1 });
    expect(await refusal(client.files.completeUploadExternal({ files: [{ id: ticket.file_id! }], channel_id: 'C0DEPLOY' }))).toMatchObject({ error: 'file_not_found' });
    await fetch(ticket.upload_url!, { method: 'POST', body: 'x' });
    await client.files.completeUploadExternal({ files: [{ id: ticket.file_id! }], channel_id: 'C0DEPLOY' });
    expect(await refusal(client.files.completeUploadExternal({ files: [{ id: ticket.file_id! }], channel_id: 'C0DEPLOY' }))).toMatchObject({ error: 'file_not_found' });
    expect(e.files).toHaveLength(1);
  });

  it('refuses a channel it does not know, one the bot is not in, and a thread that does not exist', async () => {
    const { client, emulator: e } = await start({ botAbsentFrom: ['C0OTHER'] });
    const upload = (args: Record<string, string>) => client.filesUploadV2({ filename: 'a.md', content: 'x', ...args } as never);
    expect(await refusal(upload({ channel_id: 'C0NOPE' }))).toMatchObject({ error: 'channel_not_found' });
    expect(await refusal(upload({ channel_id: 'C0OTHER' }))).toMatchObject({ error: 'not_in_channel' });
    expect(await refusal(client.chat.postMessage({ channel: 'C0OTHER', text: 'hi' }))).toMatchObject({ error: 'not_in_channel' });
    expect(await refusal(client.chat.postEphemeral({ channel: 'C0OTHER', user: 'U0ALICE', text: 'hi' }))).toMatchObject({ error: 'not_in_channel' });
    expect(await refusal(upload({ channel_id: 'C0DEPLOY', thread_ts: '1.000001' }))).toMatchObject({ error: 'thread_not_found' });
    expect(e.files).toEqual([]);
  });

  it('asks files:write for both methods', async () => {
    const { client } = await start({ scopes: ['chat:write'] });
    expect(await refusal(client.files.getUploadURLExternal({ filename: 'a.md', length: 1 }))).toMatchObject({ error: 'missing_scope', needed: 'files:write' });
    expect(await refusal(client.files.completeUploadExternal({ files: [{ id: 'F0X' }] }))).toMatchObject({ error: 'missing_scope', needed: 'files:write' });
  });
});
