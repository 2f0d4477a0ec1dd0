import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type BlockAction, type ButtonAction, type ViewStateValue } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator } from './slack-emulator.js';
import { SlackDriver } from './slack-driver.js';
import type { SlackEmulator } from './slack-types.js';

const SIGNING_SECRET = 'interactions-secret';

/** What the app's listeners saw. */
interface Seen {
  commands: string[];
  retryNums: (number | undefined)[];
  actions: BlockAction[];
  submissions: Record<string, Record<string, ViewStateValue>>[];
}

function deployModal(env = 'production') {
  return {
    type: 'modal' as const,
    callback_id: 'deploy.modal',
    private_metadata: JSON.stringify({ env }),
    title: { type: 'plain_text' as const, text: 'Deploy' },
    submit: { type: 'plain_text' as const, text: 'Start' },
    blocks: [
      {
        type: 'input',
        block_id: 'service',
        label: { type: 'plain_text', text: 'Service' },
        element: {
          type: 'static_select',
          action_id: 'value',
          options: ['web', 'api'].map((s) => ({ text: { type: 'plain_text', text: s }, value: s })),
        },
      },
      {
        type: 'input',
        block_id: 'version',
        label: { type: 'plain_text', text: 'Version' },
        element: { type: 'plain_text_input', action_id: 'value' },
      },
      {
        type: 'actions',
        block_id: 'env',
        elements: [{ type: 'button', action_id: 'modal.staging', value: 'staging', text: { type: 'plain_text', text: `Env: ${env}` } }],
      },
    ],
  };
}

/** The same listeners for both receivers, so the two modes are held to identical behaviour. */
function install(app: App, seen: Seen): void {
  app.command('/deploy', async ({ command, ack, client, context }) => {
    seen.commands.push(command.text);
    seen.retryNums.push(context.retryNum);
    if (command.text === 'silent') return;
    if (command.text === '') {
      await ack();
      await client.views.open({ trigger_id: command.trigger_id, view: deployModal() });
      return;
    }
    await ack({ response_type: 'ephemeral', text: `Queued ${command.text}` });
    if (!command.text.startsWith('gate')) return;
    await client.chat.postMessage({
      channel: command.channel_id,
      text: 'Approve step 3?',
      blocks: [
        {
          type: 'actions',
          block_id: 'gate-3',
          elements: [{ type: 'button', action_id: 'gate.approve', value: 'deploy:42:3', text: { type: 'plain_text', text: 'Approve' } }],
        },
      ],
    });
  });
  app.action<BlockAction<ButtonAction>>('gate.approve', async ({ ack, body, respond }) => {
    await ack();
    seen.actions.push(body);
    await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
  });
  app.action<BlockAction<ButtonAction>>('modal.staging', async ({ ack, body, client }) => {
    await ack();
    seen.actions.push(body);
    await client.views.update({ view_id: body.view?.id ?? '', hash: body.view?.hash ?? '', view: deployModal('staging') });
  });
  app.view('deploy.modal', async ({ ack, view }) => {
    seen.submissions.push(view.state.values);
    const version = view.state.values.version?.value?.value ?? '';
    if (!/^v\d+\.\d+\.\d+$/.test(version)) {
      await ack({ response_action: 'errors', errors: { version: 'Use a version like v1.2.3' } });
      return;
    }
    await ack();
  });
}

describe.each(['http', 'socket'] as const)('the driver against a real Bolt app (%s mode)', (mode) => {
  let emulator: SlackEmulator;
  let app: App;
  let driver: SlackDriver;
  const seen: Seen = { commands: [], retryNums: [], actions: [], submissions: [] };

  beforeAll(async () => {
    emulator = await startSlackEmulator();
    const clientOptions = { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } };
    if (mode === 'socket') {
      app = new App({ token: emulator.token, appToken: emulator.appToken, socketMode: true, logLevel: LogLevel.ERROR, clientOptions });
      install(app, seen);
      await app.start();
      driver = new SlackDriver({ mode, emulator, ackTimeoutMs: 2000 });
    } else {
      app = new App({ token: emulator.token, signingSecret: SIGNING_SECRET, logLevel: LogLevel.ERROR, clientOptions });
      install(app, seen);
      const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
      const { port } = server.address() as AddressInfo;
      driver = new SlackDriver({ appUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET, emulator });
    }
  });

  afterAll(async () => {
    await app.stop();
    // Let the client finish its close handshake so it does not report the emulator vanishing.
    await emulator.waitFor((e) => e.socketMode.connections === 0, 2000, 'socket closed');
    await emulator.close();
  });

  beforeEach(() => {
    seen.commands.length = 0;
    seen.retryNums.length = 0;
    seen.actions.length = 0;
    seen.submissions.length = 0;
  });

  it('acks a slash command with JSON that reaches the driver, with the retry number', async () => {
    const res = await driver.slashCommand({ text: 'web v1.4.2' }, { retryNum: 1, retryReason: 'timeout' });
    expect(res).toMatchObject({ status: 200, json: { response_type: 'ephemeral', text: 'Queued web v1.4.2' } });
    expect(seen.commands).toEqual(['web v1.4.2']);
    expect(seen.retryNums).toEqual([1]);
    if (mode === 'socket') expect(emulator.socketMode.envelopes.at(-1)).toMatchObject({ type: 'slash_commands', acks: [res.json] });
  });

  it('delivers a button click with the real block_id and value', async () => {
    await driver.slashCommand({ text: 'gate web' });
    const gate = await emulator.waitFor((e) => e.messages('C0DEPLOY').find((m) => m.text === 'Approve step 3?' && m.edits === 0));
    const res = await driver.clickButton({ messageTs: gate.ts, actionId: 'gate.approve', userId: 'U0BOB' });
    expect(res).toMatchObject({ status: 200, body: '' });
    expect(res.json).toBeUndefined();
    expect(seen.actions[0]).toMatchObject({
      user: { id: 'U0BOB' },
      container: { type: 'message', message_ts: gate.ts, channel_id: 'C0DEPLOY' },
      actions: [{ action_id: 'gate.approve', block_id: 'gate-3', value: 'deploy:42:3' }],
    });
    const edited = await emulator.waitFor((e) => e.message('C0DEPLOY', gate.ts)?.edits === 1 && e.message('C0DEPLOY', gate.ts));
    expect(edited.text).toBe('Approved by <@U0BOB>');
  });

  it('opens the modal from the trigger, shows inline errors, updates from a modal button, then closes on submit', async () => {
    await driver.slashCommand({ text: '' });
    const view = await emulator.waitFor((e) => e.openViews('U0ALICE')[0], 2000, 'views.open');
    expect(view).toMatchObject({ callbackId: 'deploy.modal', privateMetadata: '{"env":"production"}' });

    const rejected = await driver.viewSubmission({ viewId: view.id, values: { service: { value: 'web' }, version: { value: '1.4' } } });
    expect(rejected).toMatchObject({
      status: 200,
      json: { response_action: 'errors', errors: { version: 'Use a version like v1.2.3' } },
      viewAck: { outcome: 'errors' },
    });
    expect(seen.submissions[0]).toEqual({
      service: { value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'web' }, value: 'web' } } },
      version: { value: { type: 'plain_text_input', value: '1.4' } },
    });
    expect(emulator.view(view.id)).toMatchObject({ open: true, errors: { version: 'Use a version like v1.2.3' } });

    const click = await driver.clickButton({ viewId: view.id, actionId: 'modal.staging', values: { version: { value: 'v1' } } });
    expect(click.status).toBe(200);
    expect(seen.actions[0]).toMatchObject({
      container: { type: 'view', view_id: view.id },
      view: { id: view.id, hash: view.hash, state: { values: { version: { value: { value: 'v1' } } } } },
    });
    expect(seen.actions[0]).not.toHaveProperty('channel');
    await emulator.waitFor((e) => e.view(view.id)?.updates === 1, 2000, 'views.update from the modal button');
    expect(emulator.view(view.id)?.privateMetadata).toBe('{"env":"staging"}');

    const accepted = await driver.viewSubmission({ values: { service: { value: 'api' }, version: { value: 'v2.0.0' } } });
    expect(accepted).toMatchObject({ status: 200, body: '', viewAck: { outcome: 'closed', viewId: view.id } });
    expect(emulator.openViews('U0ALICE')).toEqual([]);
  });

  it('refuses to submit a closed view or a value the view does not offer', async () => {
    await driver.slashCommand({ text: '' });
    const view = await emulator.waitFor((e) => e.openViews('U0ALICE')[0]);
    await expect(driver.viewSubmission({ viewId: view.id, values: { service: { value: 'db' } } })).rejects.toThrow(
      /Option db is not offered by value; options: web, api/,
    );
    await expect(driver.viewSubmission({ viewId: view.id, values: { env: { value: 'x' } } })).rejects.toThrow(
      /No input env\.value in the view; inputs: service\.value, version\.value/,
    );
    emulator.applyViewAck(view.id, { response_action: 'clear' });
    await expect(driver.viewSubmission({ viewId: view.id })).rejects.toThrow(/is closed/);
    expect(seen.submissions).toEqual([]);
  });
});
