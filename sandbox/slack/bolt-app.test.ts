import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type BlockAction, type ButtonAction } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator } from './slack-emulator.js';
import { SlackDriver, signSlackRequest } from './slack-driver.js';
import type { SlackEmulator } from './slack-types.js';

const SIGNING_SECRET = 'test-signing-secret';

let emulator: SlackEmulator;
let app: App;
let driver: SlackDriver;
/** What the app's listeners saw, for assertions. */
const seen: { commands: string[]; actions: BlockAction[]; retryNums: (number | undefined)[] } = {
  commands: [],
  actions: [],
  retryNums: [],
};

beforeAll(async () => {
  emulator = await startSlackEmulator();
  // No botId/botUserId: Bolt must get them from the emulator's auth.test.
  app = new App({
    token: emulator.token,
    signingSecret: SIGNING_SECRET,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command('/deploy', async ({ command, ack, respond, client, context }) => {
    seen.commands.push(command.text);
    seen.retryNums.push(context.retryNum);
    await ack({ response_type: 'ephemeral', text: `Queued ${command.text}` });
    if (command.text.startsWith('gate')) {
      await client.chat.postMessage({
        channel: command.channel_id,
        text: 'Approve step 3?',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'Approve step 3?' } },
          {
            type: 'actions',
            elements: [
              { type: 'button', action_id: 'gate.approve', value: 'deploy:42:3', text: { type: 'plain_text', text: 'Approve' }, style: 'primary' },
              { type: 'button', action_id: 'gate.reject', value: 'deploy:42:3', text: { type: 'plain_text', text: 'Reject' } },
            ],
          },
        ],
      });
    } else {
      await respond({ response_type: 'in_channel', text: `Deploying ${command.text}` });
    }
  });
  app.action<BlockAction<ButtonAction>>('gate.approve', async ({ ack, body, respond }) => {
    await ack();
    seen.actions.push(body);
    await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const { port } = server.address() as AddressInfo;
  driver = new SlackDriver({ appUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET, emulator });
});

afterAll(async () => {
  await app.stop();
  await emulator.close();
});

/** Waits until the listener's respond() for this request has landed, so no request outlives the test. */
async function responded(responseUrl: string | undefined): Promise<void> {
  await emulator.waitFor((e) => e.responses.some((r) => r.url === responseUrl), 2000, `respond() to ${responseUrl}`);
}

beforeEach(() => {
  seen.commands.length = 0;
  seen.actions.length = 0;
  seen.retryNums.length = 0;
});

describe('a real Bolt app driven through the Slack emulator', () => {
  it('resolves its identity with auth.test against the emulator', async () => {
    await emulator.waitFor((e) => e.calls.find((c) => c.method === 'auth.test'), 2000, 'Bolt auth.test');
    expect(emulator.calls.find((c) => c.method === 'auth.test')).toMatchObject({ token: 'xoxb-test', response: { ok: true } });
  });

  it('acks a slash command with ephemeral JSON and respond() reaches the response URL', async () => {
    const res = await driver.slashCommand({ text: 'web v1.4.2' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_type: 'ephemeral', text: 'Queued web v1.4.2' });
    expect(seen.commands).toEqual(['web v1.4.2']);
    const posted = await emulator.waitFor((e) => e.responses.find((r) => r.url === res.responseUrl), 2000, 'respond()');
    expect(posted).toMatchObject({ status: 200, body: { response_type: 'in_channel', text: 'Deploying web v1.4.2' } });
    expect(emulator.messages('C0DEPLOY').at(-1)).toMatchObject({ text: 'Deploying web v1.4.2', botId: 'B0BOT' });
  });

  it('delivers a button click with the real block_id and value, and replace_original edits the message', async () => {
    await driver.slashCommand({ text: 'gate web' });
    const gate = await emulator.waitFor((e) => e.messages('C0DEPLOY').find((m) => m.text === 'Approve step 3?'), 2000);
    const res = await driver.clickButton({ messageTs: gate.ts, actionId: 'gate.approve', userId: 'U0BOB' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const action = seen.actions[0];
    expect(action?.actions[0]).toMatchObject({ action_id: 'gate.approve', value: 'deploy:42:3', style: 'primary' });
    expect(action?.actions[0]?.block_id).toBe(gate.blocks[1]?.block_id);
    expect(action).toMatchObject({
      user: { id: 'U0BOB', username: 'bob' },
      container: { type: 'message', message_ts: gate.ts, channel_id: 'C0DEPLOY', is_ephemeral: false },
      channel: { id: 'C0DEPLOY' },
      message: { ts: gate.ts, bot_id: 'B0BOT' },
    });
    const edited = await emulator.waitFor((e) => (e.message('C0DEPLOY', gate.ts)?.edits ?? 0) > 0 && e.message('C0DEPLOY', gate.ts));
    expect(edited.text).toBe('Approved by <@U0BOB>');
    expect(edited.blocks).toEqual([]);
  });

  it('names the available buttons when a click target is missing', async () => {
    await driver.slashCommand({ text: 'gate api' });
    const gate = await emulator.waitFor((e) => e.messages('C0DEPLOY').find((m) => m.text === 'Approve step 3?' && m.edits === 0));
    await expect(driver.clickButton({ messageTs: gate.ts, actionId: 'gate.rollback' })).rejects.toThrow(
      /No button gate\.rollback.*gate\.approve=deploy:42:3.*gate\.reject=deploy:42:3/,
    );
  });

  it('passes X-Slack-Retry-Num through to the listener context', async () => {
    const res = await driver.slashCommand({ text: 'web v2' }, { retryNum: 2, retryReason: 'http_timeout' });
    expect(res.status).toBe(200);
    expect(seen.retryNums).toEqual([2]);
    await responded(res.responseUrl);
  });
});

describe('Bolt request verification against driver-built requests', () => {
  it('rejects a forged signature with 401 and never runs the listener', async () => {
    const res = await driver.slashCommand({ text: 'forged' }, { signingSecret: 'not-the-secret' });
    expect(res.status).toBe(401);
    expect(seen.commands).toEqual([]);
  });

  it('rejects a timestamp older than five minutes with 401', async () => {
    const stale = Math.floor(Date.now() / 1000) - 301;
    const res = await driver.slashCommand({ text: 'stale' }, { timestampSeconds: stale });
    expect(res.status).toBe(401);
    const fresh = await driver.slashCommand({ text: 'fresh' }, { timestampSeconds: stale + 60 });
    expect(fresh.status).toBe(200);
    expect(seen.commands).toEqual(['fresh']);
    await responded(fresh.responseUrl);
  });

  it('rejects a body altered after signing, and a content type with charset', async () => {
    const responseUrl = emulator.responseUrl({ channelId: 'C0DEPLOY', userId: 'U0ALICE' });
    const body = new URLSearchParams({
      token: 'legacy',
      command: '/deploy',
      text: 'raw',
      user_id: 'U0ALICE',
      channel_id: 'C0DEPLOY',
      team_id: 'T0TEST',
      response_url: responseUrl,
    }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, body) };
    expect((await driver.send(`${body}&text=tampered`, headers)).status).toBe(401);
    const charset = { ...headers, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    expect((await driver.send(body, charset)).status).toBe(400);
    expect((await driver.send(body, headers)).status).toBe(200);
    expect(seen.commands).toEqual(['raw']);
    await responded(responseUrl);
  });
});
