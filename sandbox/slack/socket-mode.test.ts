import { App, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSlackEmulator } from './slack-emulator.js';
import { SlackDriver } from './slack-driver.js';
import type { SlackEmulator, SlackEmulatorOptions } from './slack-types.js';

const { WebClient, WebAPIPlatformError } = webApi;

let emulator: SlackEmulator | undefined;
let app: App | undefined;

async function start(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  emulator = await startSlackEmulator(options);
  return emulator;
}

/** A Socket Mode Bolt app whose `/deploy` acks with the text unless it is `silent`. */
async function startApp(e: SlackEmulator, receiverOptions: { clientPingTimeout?: number } = {}): Promise<App> {
  const clientOptions = { slackApiUrl: e.apiUrl, retryConfig: { retries: 0 } };
  const receiver = new SocketModeReceiver({ appToken: e.appToken, logLevel: LogLevel.ERROR, installerOptions: { clientOptions }, ...receiverOptions });
  app = new App({ token: e.token, receiver, logLevel: LogLevel.ERROR, clientOptions });
  app.command('/deploy', async ({ command, ack }) => {
    if (command.text !== 'silent') await ack({ text: `got ${command.text}` });
  });
  await app.start();
  return app;
}

afterEach(async () => {
  if (app) {
    await app.stop();
    await emulator?.waitFor((e) => e.socketMode.connections === 0, 2000, 'socket closed');
  }
  await emulator?.close();
  app = undefined;
  emulator = undefined;
});

async function platformError(call: Promise<unknown>): Promise<string> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WebAPIPlatformError)) throw new Error(`expected WebAPIPlatformError, got ${String(error)}`);
  return String(error.data.error);
}

describe('apps.connections.open', () => {
  it('needs the app-level token and hands out a ws:// URL on the emulator', async () => {
    const e = await start({ appToken: 'xapp-1-A0BOT-secret' });
    const options = { slackApiUrl: e.apiUrl, retryConfig: { retries: 0 } };
    const res = await new WebClient(e.appToken, options).apps.connections.open();
    expect(res.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${new URL(e.url).port}/socket-mode\\?ticket=[0-9a-f]+&app_id=A0BOT$`));
    expect(await platformError(new WebClient(e.token, options).apps.connections.open())).toBe('not_allowed_token_type');
    expect(await platformError(new WebClient('xapp-1-wrong', options).apps.connections.open())).toBe('invalid_auth');
    expect(await platformError(new WebClient(e.appToken, options).chat.postMessage({ channel: 'C0DEPLOY', text: 'x' }))).toBe(
      'not_allowed_token_type',
    );
  });

  it('accepts each URL once, greeting with hello', async () => {
    const e = await start();
    const { url } = await new WebClient(e.appToken, { slackApiUrl: e.apiUrl, retryConfig: { retries: 0 } }).apps.connections.open();
    const first = new WebSocket(url ?? '');
    const hello = await new Promise<unknown>((resolve, reject) => {
      first.once('message', (data) => resolve(JSON.parse(String(data))));
      first.once('error', reject);
    });
    expect(hello).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0BOT' } });
    const second = new WebSocket(url ?? '');
    const status = await new Promise<number | undefined>((resolve) => {
      second.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      second.once('open', () => resolve(undefined));
    });
    expect(status).toBe(401);
    first.close();
    await e.waitFor((x) => x.socketMode.connections === 0);
  });
});

describe('the Socket Mode connection with a real Bolt app', () => {
  it('pings the client, which answers with pongs', async () => {
    const e = await start({ socketPingIntervalMs: 50 });
    await startApp(e);
    expect(e.socketMode.connections).toBe(1);
    await e.waitFor((x) => x.socketMode.pongs >= 2, 2000, 'two pongs');
  });

  it('rejects a ping interval Slack’s client would time out on', async () => {
    await expect(startSlackEmulator({ socketPingIntervalMs: 30_001 })).rejects.toThrow(/socketPingIntervalMs must be in \(0, 30000\]/);
  });

  it('reconnects after a disconnect message and keeps delivering', async () => {
    const e = await start();
    await startApp(e, { clientPingTimeout: 300 });
    const driver = new SlackDriver({ mode: 'socket', emulator: e });
    expect((await driver.slashCommand({ text: 'before' })).json).toEqual({ text: 'got before' });
    e.socketMode.disconnect();
    await e.waitFor((x) => x.calls.filter((c) => c.method === 'apps.connections.open').length === 2, 3000, 'second apps.connections.open');
    const res = await driver.slashCommand({ text: 'after' });
    expect(res.json).toEqual({ text: 'got after' });
    expect(e.socketMode.connections).toBe(1);
  });

  it('rejects naming the envelope when the app never acks, and records it as timed out', async () => {
    const e = await start();
    await startApp(e);
    const driver = new SlackDriver({ mode: 'socket', emulator: e, ackTimeoutMs: 300 });
    await expect(driver.slashCommand({ text: 'silent' })).rejects.toThrow(/no ack for slash_commands envelope .* within 300 ms/);
    expect(e.socketMode.envelopes.at(-1)).toMatchObject({ type: 'slash_commands', timedOut: true, acks: [] });
    await expect(driver.slashCommand({ text: 'forged' }, { signingSecret: 'x' })).rejects.toThrow(/no meaning in Socket Mode/);
  });

  it('times out when no app is connected', async () => {
    const e = await start();
    const driver = new SlackDriver({ mode: 'socket', emulator: e, ackTimeoutMs: 100 });
    await expect(driver.slashCommand({ text: 'nobody' })).rejects.toThrow(/no app connection/);
    expect(() => new SlackDriver({ emulator: e })).toThrow(/mode http needs appUrl and signingSecret/);
  });
});
