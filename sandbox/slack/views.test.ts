import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator } from './slack-emulator.js';
import type { SlackEmulator } from './slack-types.js';

const { WebClient, WebAPIPlatformError } = webApi;

let emulator: SlackEmulator;
let client: InstanceType<typeof WebClient>;
let clock: number;

const modal = (callbackId: string, extra: Record<string, unknown> = {}) => ({
  type: 'modal' as const,
  callback_id: callbackId,
  private_metadata: '{"runId":"r1"}',
  title: { type: 'plain_text' as const, text: 'Deploy' },
  submit: { type: 'plain_text' as const, text: 'Start' },
  blocks: [
    {
      type: 'input',
      block_id: 'version',
      label: { type: 'plain_text', text: 'Version' },
      element: { type: 'plain_text_input', action_id: 'value' },
    },
  ],
  ...extra,
});

/** The platform error of a rejected call, with its full body. */
async function platformError(call: Promise<unknown>): Promise<{ error: string; data: Record<string, unknown> }> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WebAPIPlatformError)) throw new Error(`expected WebAPIPlatformError, got ${String(error)}`);
  return { error: String(error.data.error), data: error.data as unknown as Record<string, unknown> };
}

beforeEach(async () => {
  clock = Date.now();
  emulator = await startSlackEmulator({ now: () => clock });
  client = new WebClient(emulator.token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await emulator.close();
});

describe('views.open', () => {
  it('opens a modal for the trigger’s user and returns the view Slack would', async () => {
    const trigger = emulator.triggerId('U0ALICE');
    const res = await client.views.open({ trigger_id: trigger, view: modal('deploy.modal') });
    expect(res.view).toMatchObject({
      id: expect.stringMatching(/^V0[A-Z0-9]{10}$/),
      team_id: 'T0TEST',
      type: 'modal',
      callback_id: 'deploy.modal',
      private_metadata: '{"runId":"r1"}',
      state: { values: {} },
      hash: expect.stringMatching(/^\d{10}\.\S+$/),
      previous_view_id: null,
      app_id: 'A0BOT',
      bot_id: 'B0BOT',
    });
    expect(res.view?.root_view_id).toBe(res.view?.id);
    expect(emulator.openViews('U0ALICE').map((v) => v.id)).toEqual([res.view?.id]);
    expect(emulator.openViews('U0BOB')).toEqual([]);
    expect(emulator.view(res.view!.id!)?.blocks[0]).toMatchObject({ block_id: 'version', element: { action_id: 'value' } });
  });

  it('spends a trigger once, within 3 seconds, and only if Slack issued it', async () => {
    const trigger = emulator.triggerId('U0ALICE');
    await client.views.open({ trigger_id: trigger, view: modal('a') });
    expect((await platformError(client.views.open({ trigger_id: trigger, view: modal('b') }))).error).toBe('exchanged_trigger_id');
    const late = emulator.triggerId('U0ALICE');
    clock += 3001;
    expect((await platformError(client.views.open({ trigger_id: late, view: modal('c') }))).error).toBe('expired_trigger_id');
    expect((await platformError(client.views.open({ trigger_id: '1.2.deadbeef', view: modal('d') }))).error).toBe('invalid_trigger_id');
    expect(emulator.views.map((v) => v.callbackId)).toEqual(['a']);
  });

  it('rejects an invalid view with invalid_arguments and keeps the trigger usable', async () => {
    const trigger = emulator.triggerId('U0ALICE');
    const bad = { type: 'home', title: { type: 'mrkdwn', text: 'x' }, blocks: [{ type: 'input', block_id: 'v' }] };
    const { error, data } = await platformError(client.apiCall('views.open', { trigger_id: trigger, view: bad }));
    expect(error).toBe('invalid_arguments');
    expect((data.response_metadata as { messages: string[] }).messages).toEqual([
      '[ERROR] must be one of: modal [json-pointer:/view/type]',
      '[ERROR] must be a plain_text object [json-pointer:/view/title]',
      '[ERROR] missing required field: label [json-pointer:/view/blocks/0]',
      '[ERROR] missing required field: element [json-pointer:/view/blocks/0]',
    ]);
    const noSubmit = { ...modal('x'), submit: undefined };
    const second = await platformError(client.apiCall('views.open', { trigger_id: trigger, view: noSubmit }));
    expect(second.data.response_metadata).toMatchObject({ messages: [expect.stringContaining('must provide submit')] });
    expect((await platformError(client.apiCall('views.open', { trigger_id: trigger, view: '{nope' }))).error).toBe('invalid_arguments');
    expect((await client.views.open({ trigger_id: trigger, view: modal('ok') })).ok).toBe(true);
  });

  it('refuses checkboxes with no option or more than 10, as Slack does', async () => {
    const trigger = emulator.triggerId('U0ALICE');
    const option = (value: string) => ({ text: { type: 'plain_text', text: value }, value });
    const withBoxes = (options: unknown[]) => ({ ...modal('boxes'), blocks: [{ type: 'input', block_id: 'mode', optional: true, label: { type: 'plain_text', text: 'Mode' }, element: { type: 'checkboxes', action_id: 'value', options } }] });
    expect((await platformError(client.apiCall('views.open', { trigger_id: trigger, view: withBoxes([]) }))).data.response_metadata).toMatchObject({
      messages: ['[ERROR] must provide at least 1 item [json-pointer:/view/blocks/0/element/options]'],
    });
    const eleven = Array.from({ length: 11 }, (_, i) => option(`o${i}`));
    expect((await platformError(client.apiCall('views.open', { trigger_id: trigger, view: withBoxes(eleven) }))).data.response_metadata).toMatchObject({
      messages: ['[ERROR] no more than 10 items allowed [json-pointer:/view/blocks/0/element/options]'],
    });
    expect((await client.views.open({ trigger_id: trigger, view: withBoxes([option('dry-run')]) as never })).ok).toBe(true);
  });

  it('answers view_too_large above 250 kB', async () => {
    const trigger = emulator.triggerId('U0ALICE');
    const huge = modal('big', { private_metadata: 'x'.repeat(256 * 1024) });
    expect((await platformError(client.views.open({ trigger_id: trigger, view: huge }))).error).toBe('view_too_large');
    expect(emulator.views).toEqual([]);
  });

  it('refuses a second view with the same external_id', async () => {
    await client.views.open({ trigger_id: emulator.triggerId('U0ALICE'), view: modal('a', { external_id: 'run-1' }) });
    const again = client.views.open({ trigger_id: emulator.triggerId('U0BOB'), view: modal('b', { external_id: 'run-1' }) });
    expect((await platformError(again)).error).toBe('duplicate_external_id');
  });
});

describe('views.update and views.push', () => {
  it('updates by id or external_id, guarded by hash', async () => {
    const opened = await client.views.open({ trigger_id: emulator.triggerId('U0ALICE'), view: modal('a', { external_id: 'run-1' }) });
    const id = opened.view!.id!;
    const stale = opened.view!.hash!;
    const updated = await client.views.update({ view_id: id, hash: stale, view: modal('a2') });
    expect(updated.view).toMatchObject({ id, callback_id: 'a2', root_view_id: id });
    expect(updated.view?.hash).not.toBe(stale);
    expect((await platformError(client.views.update({ view_id: id, hash: stale, view: modal('a3') }))).error).toBe('hash_conflict');
    expect((await platformError(client.views.update({ view_id: 'V0NOPE', view: modal('x') }))).error).toBe('not_found');
    expect((await platformError(client.views.update({ external_id: 'run-1', view: modal('x') }))).error).toBe('not_found');
    expect((await platformError(client.apiCall('views.update', { view: modal('x') }))).error).toBe('invalid_arguments');
    expect(emulator.view(id)).toMatchObject({ callbackId: 'a2', updates: 1, open: true });
  });

  it('pushes onto the user’s stack up to three views', async () => {
    const root = await client.views.open({ trigger_id: emulator.triggerId('U0ALICE'), view: modal('root') });
    const second = await client.views.push({ trigger_id: emulator.triggerId('U0ALICE'), view: modal('second') });
    expect(second.view).toMatchObject({ root_view_id: root.view?.id, previous_view_id: root.view?.id });
    await client.views.push({ trigger_id: emulator.triggerId('U0ALICE'), view: modal('third') });
    const fourth = client.views.push({ trigger_id: emulator.triggerId('U0ALICE'), view: modal('fourth') });
    expect((await platformError(fourth)).error).toBe('push_limit_reached');
    expect(emulator.openViews('U0ALICE').map((v) => v.callbackId)).toEqual(['root', 'second', 'third']);
    const nobody = client.views.push({ trigger_id: emulator.triggerId('U0BOB'), view: modal('lonely') });
    expect((await platformError(nobody)).error).toBe('not_found');
  });

  it('a new views.open replaces the user’s whole stack', async () => {
    const first = await client.views.open({ trigger_id: emulator.triggerId('U0ALICE'), view: modal('first') });
    await client.views.push({ trigger_id: emulator.triggerId('U0ALICE'), view: modal('pushed') });
    await client.views.open({ trigger_id: emulator.triggerId('U0ALICE'), view: modal('fresh') });
    expect(emulator.openViews('U0ALICE').map((v) => v.callbackId)).toEqual(['fresh']);
    expect(emulator.view(first.view!.id!)?.open).toBe(false);
  });
});

describe('view_submission acks applied to the stack', () => {
  it('keeps the view open on errors for input blocks only, closes on an empty ack, clears on clear', async () => {
    const root = await client.views.open({ trigger_id: emulator.triggerId('U0ALICE'), view: modal('root') });
    const rootId = root.view!.id!;
    expect(emulator.applyViewAck(rootId, { response_action: 'errors', errors: { version: 'Use v1.2.3' } }).outcome).toBe('errors');
    expect(emulator.view(rootId)).toMatchObject({ open: true, errors: { version: 'Use v1.2.3' } });
    expect(emulator.applyViewAck(rootId, { response_action: 'errors', errors: { service: 'x' } })).toMatchObject({
      outcome: 'rejected',
      problem: expect.stringContaining('names no input block (inputs: version)'),
    });
    const pushed = emulator.applyViewAck(rootId, { response_action: 'push', view: modal('confirm') });
    expect(pushed.outcome).toBe('pushed');
    const top = emulator.openViews('U0ALICE').at(-1)!;
    expect(emulator.applyViewAck(top.id, undefined).outcome).toBe('closed');
    expect(emulator.openViews('U0ALICE').map((v) => v.id)).toEqual([rootId]);
    emulator.applyViewAck(rootId, { response_action: 'push', view: modal('again') });
    expect(emulator.applyViewAck(rootId, { response_action: 'clear' }).outcome).toBe('cleared');
    expect(emulator.openViews('U0ALICE')).toEqual([]);
    expect(emulator.applyViewAck(rootId, undefined)).toMatchObject({ outcome: 'rejected', problem: expect.stringContaining('not open') });
  });
});
