import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest, webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBody } from './read-request.js';
import { startSlackEmulator } from './slack-emulator.js';
import { SlackDriver, signSlackRequest } from './slack-driver.js';
import type { SlackEmulator } from './slack-types.js';

const SECRET = 'driver-secret';

interface Captured {
  headers: IncomingHttpHeaders;
  body: string;
}

let emulator: SlackEmulator;
let server: Server;
let captured: Captured[];
let driver: SlackDriver;
let clock: number;

beforeEach(async () => {
  clock = Date.now();
  emulator = await startSlackEmulator({ now: () => clock });
  captured = [];
  // A bare receiver: lets the tests see the exact bytes and headers the driver sends.
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      captured.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"response_type":"ephemeral","text":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  driver = new SlackDriver({ appUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SECRET, emulator });
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await emulator.close();
});

/** The last captured request, checked against Bolt's own verifier. */
function lastVerified(): Captured {
  const last = captured.at(-1);
  if (!last) throw new Error('nothing captured');
  verifySlackRequest({
    signingSecret: SECRET,
    body: last.body,
    headers: {
      'x-slack-signature': String(last.headers['x-slack-signature']),
      'x-slack-request-timestamp': Number(last.headers['x-slack-request-timestamp']),
    },
  });
  return last;
}

describe('signSlackRequest', () => {
  it('matches the worked example in Slack’s signing documentation', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618)).toEqual({
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    });
  });
});

describe('SlackDriver requests', () => {
  it('sends a signed slash command with every Slack field', async () => {
    const res = await driver.slashCommand({ text: 'web v1.4.2' }, { retryNum: 1, retryReason: 'http_timeout' });
    expect(res).toMatchObject({ status: 200, json: { response_type: 'ephemeral', text: 'ok' } });
    const req = lastVerified();
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers['x-slack-retry-num']).toBe('1');
    expect(req.headers['x-slack-retry-reason']).toBe('http_timeout');
    const fields = Object.fromEntries(new URLSearchParams(req.body));
    expect(Object.keys(fields).sort()).toEqual(
      ['api_app_id', 'channel_id', 'channel_name', 'command', 'is_enterprise_install', 'response_url', 'team_domain', 'team_id', 'text', 'token', 'trigger_id', 'user_id', 'user_name'].sort(),
    );
    expect(fields).toMatchObject({
      command: '/deploy',
      text: 'web v1.4.2',
      user_id: 'U0ALICE',
      user_name: 'alice',
      channel_id: 'C0DEPLOY',
      channel_name: 'deploys',
      team_id: 'T0TEST',
      api_app_id: 'A0BOT',
      is_enterprise_install: 'false',
      response_url: res.responseUrl,
      trigger_id: res.triggerId,
    });
    expect(res.responseUrl?.startsWith(`${emulator.url}response/`)).toBe(true);
    await driver.slashCommand({ text: 'again' });
    expect(new URLSearchParams(lastVerified().body).get('trigger_id')).not.toBe(res.triggerId);
  });

  it('clicks a button on an ephemeral message without echoing the message back', async () => {
    const client = new webApi.WebClient(emulator.token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
    const { message_ts: ts } = await client.chat.postEphemeral({
      channel: 'C0DEPLOY',
      user: 'U0ALICE',
      text: 'Confirm?',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Confirm?' }, accessory: { type: 'button', action_id: 'confirm', value: 'yes', text: { type: 'plain_text', text: 'Yes' } } }],
    });
    await driver.clickButton({ messageTs: ts!, actionId: 'confirm' });
    const payload = JSON.parse(new URLSearchParams(lastVerified().body).get('payload') ?? '{}') as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: 'block_actions',
      container: { type: 'message', message_ts: ts, channel_id: 'C0DEPLOY', is_ephemeral: true },
      actions: [{ type: 'button', action_id: 'confirm', value: 'yes', text: { type: 'plain_text', text: 'Yes' } }],
    });
    expect(payload).not.toHaveProperty('message');
    expect((payload.actions as { action_ts: string }[])[0]?.action_ts).toMatch(/^\d{10}\.\d{6}$/);
  });
});

describe('SlackDriver view payloads over HTTP', () => {
  function lastPayload(): Record<string, unknown> {
    return JSON.parse(new URLSearchParams(lastVerified().body).get('payload') ?? '{}') as Record<string, unknown>;
  }

  it('signs a view_submission for a made-up view when the app never opened one', async () => {
    const res = await driver.viewSubmission({
      userId: 'U0BOB',
      callbackId: 'rollback.confirm',
      privateMetadata: '{"deployId":42}',
      values: { reason: { reason_input: 'bad canary' }, target: { pick: { type: 'static_select', selected_option: { value: '7' } } } },
    });
    expect(res.status).toBe(200);
    expect(res.viewAck).toBeUndefined();
    expect(lastPayload()).toMatchObject({
      type: 'view_submission',
      user: { id: 'U0BOB', username: 'bob' },
      trigger_id: res.triggerId,
      response_urls: [],
      view: {
        type: 'modal',
        callback_id: 'rollback.confirm',
        private_metadata: '{"deployId":42}',
        state: {
          values: {
            reason: { reason_input: { type: 'plain_text_input', value: 'bad canary' } },
            target: { pick: { type: 'static_select', selected_option: { value: '7' } } },
          },
        },
      },
    });
    await expect(driver.viewSubmission({ values: {} })).rejects.toThrow(/U0ALICE has no open modal; give viewId or callbackId/);
  });

  it('sends a modal button click with a view container, the view state and no response_url', async () => {
    const client = new webApi.WebClient(emulator.token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
    const opened = await client.views.open({
      trigger_id: emulator.triggerId('U0ALICE'),
      view: {
        type: 'modal',
        title: { type: 'plain_text', text: 'Sign off' },
        submit: { type: 'plain_text', text: 'Approve' },
        blocks: [
          { type: 'input', block_id: 'note', optional: true, label: { type: 'plain_text', text: 'Note' }, element: { type: 'plain_text_input' } },
          { type: 'actions', elements: [{ type: 'button', action_id: 'more', text: { type: 'plain_text', text: 'More' } }] },
        ],
      },
    });
    const view = emulator.view(opened.view?.id ?? '');
    const noteAction = String((view?.blocks[0]?.element as { action_id: string }).action_id);
    const res = await driver.clickButton({ viewId: view?.id ?? '', actionId: 'more' });
    expect(res.responseUrl).toBeUndefined();
    const payload = lastPayload();
    expect(payload).toMatchObject({
      type: 'block_actions',
      container: { type: 'view', view_id: view?.id },
      view: { id: view?.id, hash: view?.hash, state: { values: { note: { [noteAction]: { type: 'plain_text_input', value: null } } } } },
      actions: [{ action_id: 'more', block_id: view?.blocks[1]?.block_id }],
    });
    expect(payload).not.toHaveProperty('response_url');
    expect(payload).not.toHaveProperty('channel');
    // The trigger in the payload is one the emulator issued, so the app can push a view with it.
    const pushed = await client.views.push({ trigger_id: String(payload.trigger_id), view: { type: 'modal', title: { type: 'plain_text', text: 'More' }, blocks: [] } });
    expect(pushed.view?.previous_view_id).toBe(view?.id);
  });
});

describe('emulator response URLs', () => {
  async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: await res.json() };
  }

  it('accepts five posts, then answers 404 used_url', async () => {
    const url = emulator.responseUrl({ channelId: 'C0DEPLOY', userId: 'U0ALICE' });
    for (let i = 1; i <= 5; i += 1) expect((await post(url, { text: `n${i}` })).status).toBe(200);
    expect(await post(url, { text: 'n6' })).toEqual({ status: 404, json: { ok: false, error: 'used_url' } });
    expect(emulator.ephemerals.map((e) => e.text)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(emulator.responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 404]);
  });

  it('expires after 30 minutes', async () => {
    const url = emulator.responseUrl({ channelId: 'C0DEPLOY', userId: 'U0ALICE' });
    clock += 30 * 60 * 1000 + 1;
    expect(await post(url, { text: 'late' })).toEqual({ status: 404, json: { ok: false, error: 'expired_url' } });
  });

  it('refuses the next posts on demand, as Slack refuses an expired URL or is down, without spending a use', async () => {
    const url = emulator.responseUrl({ channelId: 'C0DEPLOY', userId: 'U0ALICE' });
    emulator.failNextResponse(1);
    emulator.failNextResponse(1, { error: 'used_url' });
    emulator.failNextResponse(1, { status: 503 });
    expect(await post(url, { text: 'a' })).toEqual({ status: 404, json: { ok: false, error: 'expired_url' } });
    expect(await post(url, { text: 'b' })).toEqual({ status: 404, json: { ok: false, error: 'used_url' } });
    expect(await post(url, { text: 'c' })).toEqual({ status: 503, json: { ok: false, error: 'internal_error' } });
    for (let i = 1; i <= 5; i += 1) expect((await post(url, { text: `n${i}` })).status).toBe(200);
    expect(emulator.ephemerals.map((e) => e.text)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(emulator.responses.map((r) => [r.body.text, r.status])).toEqual([['a', 404], ['b', 404], ['c', 503], ['n1', 200], ['n2', 200], ['n3', 200], ['n4', 200], ['n5', 200]]);
  });

  it('deletes the originating message on delete_original', async () => {
    const client = new webApi.WebClient(emulator.token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
    const { ts } = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'doomed' });
    const url = emulator.responseUrl({ channelId: 'C0DEPLOY', userId: 'U0ALICE', messageTs: ts! });
    expect((await post(url, { delete_original: true })).status).toBe(200);
    expect(emulator.messages('C0DEPLOY')).toEqual([]);
  });
});
