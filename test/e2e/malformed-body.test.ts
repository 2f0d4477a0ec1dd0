import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listButtons, signSlackRequest } from '../../sandbox/slack/index.js';
import { replyText } from '../support/reply-text.js';
import { runIdIn } from '../support/run-id-in.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitUntil } from '../support/wait-until.js';
import { E2E_CATALOG, E2E_CHECKLIST } from './fixtures.js';

const CHANNEL = 'C0DEPLOY';
const FORM = 'application/x-www-form-urlencoded';

/** Posts `body` to flightdeck signed (as of `timestampSeconds`, default now) with the world's secret. */
function postSigned(world: E2eWorld, body: string, timestampSeconds?: number) {
  return world.driver.send(body, { 'content-type': FORM, ...signSlackRequest(world.signingSecret, body, timestampSeconds) });
}

const interaction = (payload: unknown) => new URLSearchParams({ payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }).toString();

/** The e2e catalog with a second service, so a run of one does not lock the other. */
const CATALOG = `${E2E_CATALOG}  web:
    namespace: shop
    deployment: web
    container: web
    image: registry.example.com/acme/web
    environments: [production]
`;

/** Starts a run of api and returns its id and the first tick button of its message. */
async function startRun(world: E2eWorld, version: string) {
  const reply = await world.driver.slashCommand({ command: '/deploy', text: `api ${version} to production`, userId: 'U0ALICE', channelId: CHANNEL });
  const runId = runIdIn(replyText(reply));
  const message = await world.slack.waitFor(
    (state) => state.messages(CHANNEL).find((m) => m.text.includes(version) && listButtons(m.blocks).some((b) => b.actionId.startsWith('item.tick.'))),
    10_000,
    `the message of run #${runId}`,
  );
  const button = listButtons(message.blocks).find((b) => b.actionId.startsWith('item.tick.'))!;
  return { runId, messageTs: message.ts, button };
}

/** A click on `button` as Slack sends it, with `overrides` applied on top. */
function clickPayload(world: E2eWorld, messageTs: string, button: { actionId: string; blockId: string; value?: string | undefined }, overrides: Record<string, unknown>) {
  return {
    type: 'block_actions',
    user: { id: 'U0BOB', username: 'bob', name: 'bob', team_id: world.slack.teamId },
    api_app_id: world.slack.appId,
    token: 'legacy',
    trigger_id: world.slack.triggerId('U0BOB'),
    team: { id: world.slack.teamId, domain: world.slack.teamDomain },
    container: { type: 'message', message_ts: messageTs, channel_id: CHANNEL, is_ephemeral: false },
    channel: { id: CHANNEL, name: 'deploys' },
    response_url: world.slack.responseUrl({ channelId: CHANNEL, userId: 'U0BOB', messageTs }),
    actions: [{ type: 'button', action_id: button.actionId, block_id: button.blockId, value: button.value, action_ts: `${Date.now() / 1000}` }],
    ...overrides,
  };
}

async function ticksOf(world: E2eWorld, runId: string): Promise<string[]> {
  return (await world.store.audit(runId)).filter((entry) => entry.action === 'item.ticked').map((entry) => entry.actor);
}

describe('over HTTP', () => {
  let world: E2eWorld;

  beforeAll(async () => {
    world = await startE2eWorld({ mode: 'http', catalog: CATALOG, checklists: { release: E2E_CHECKLIST } });
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it.each([
    ['payload=null', 'payload=null'],
    ['a number', interaction('5')],
    ['an array', interaction('[{"type":"block_actions"}]')],
    ['an object without a type', interaction({ actions: [] })],
  ])('answers 400 to a correctly signed interaction whose payload is %s, before Bolt reads it', async (_what, body) => {
    const response = await postSigned(world, body);
    expect(response.status).toBe(400);
    expect(response.body).toContain('flightdeck could not read this request');
    expect(world.flightdeck.child.exitCode).toBeNull();
    const help = await world.driver.slashCommand({ command: '/deploy', text: 'help', userId: 'U0ALICE', channelId: CHANNEL });
    expect(help.status).toBe(200);
    expect(replyText(help)).toContain('/deploy');
    expect(world.flightdeck.output()).not.toContain('unhandled rejection');
  });

  it('refuses a correctly signed command dated 6 minutes ahead (401) and starts nothing, as it refuses one 6 minutes old', async () => {
    const now = Math.floor(Date.now() / 1000);
    const send = (version: string, timestampSeconds: number) =>
      world.driver.slashCommand({ command: '/deploy', text: `web ${version} to production`, userId: 'U0ALICE', channelId: CHANNEL }, { timestampSeconds });
    expect((await send('v9.0.1', now + 360)).status).toBe(401);
    expect((await send('v9.0.2', now - 360)).status).toBe(401);
    expect(await world.store.history('web', 'production', 100)).toEqual([]);
    // Within the window either way it is believed: the same command 4 minutes ahead starts its run.
    const believed = await send('v9.0.3', now + 240);
    expect(believed.status).toBe(200);
    expect(replyText(believed)).toMatch(/Run #\d+/);
    expect((await world.store.history('web', 'production', 100)).map((run) => run.version)).toEqual(['v9.0.3']);
  });

  it('answers an unsigned ssl_check as the probe alone and runs no click it carries; a click signed with another secret is refused', async () => {
    const { runId, messageTs, button } = await startRun(world, 'v9.2.0');
    // Bolt reads a form's `payload` in place of the form, so a smuggled click would lose the ssl_check beside it.
    const probe = await world.driver.send(`ssl_check=1&${interaction(clickPayload(world, messageTs, button, {}))}`, { 'content-type': FORM });
    expect({ status: probe.status, body: probe.body }).toEqual({ status: 200, body: '' });
    const forged = interaction(clickPayload(world, messageTs, button, {}));
    expect((await world.driver.send(forged, { 'content-type': FORM, ...signSlackRequest('not-the-signing-secret', forged) })).status).toBe(401);
    expect(await ticksOf(world, runId)).toEqual([]);
    const cancelled = await world.driver.slashCommand({ command: '/deploy', text: `cancel ${runId}`, userId: 'U0ALICE', channelId: CHANNEL });
    expect(replyText(cancelled)).toContain(`#${runId}`);
  });

  it('acks a click with a wrong-typed field and runs nothing; the same click well formed is recorded', async () => {
    const { runId, messageTs, button } = await startRun(world, 'v9.1.0');
    const before = world.slack.responses.length;
    for (const overrides of [{ response_url: true }, { user: null }, { actions: 5 }, { channel: null }, { container: 'x' }]) {
      const response = await postSigned(world, interaction(clickPayload(world, messageTs, button, overrides)));
      expect({ overrides, status: response.status }).toEqual({ overrides, status: 200 });
    }
    expect(await ticksOf(world, runId)).toEqual([]);
    expect(world.slack.responses.length).toBe(before);
    // Logged before the ack, but the line reaches us through the process's stdout pipe, possibly after the answer.
    await waitUntil('the refusal to be logged', () => (world.flightdeck.output().includes('malformed interaction refused') ? true : undefined), 5_000);

    const good = await postSigned(world, interaction(clickPayload(world, messageTs, button, {})));
    expect(good.status).toBe(200);
    expect(await ticksOf(world, runId)).toEqual(['U0BOB']);
  });

  it.each([
    ['a global shortcut', { type: 'shortcut', callback_id: 'deploy.shortcut', trigger_id: '1.2.3', user: { id: 'U0BOB' }, team: { id: 'T0' } }],
    ['a closed modal', { type: 'view_closed', user: { id: 'U0BOB' }, team: { id: 'T0' }, view: { id: 'V0', callback_id: 'deploy.modal' }, is_cleared: false }],
    ['a legacy attachment button', { type: 'interactive_message', callback_id: 'old', user: { id: 'U0BOB' }, channel: { id: CHANNEL }, actions: [{ name: 'x', type: 'button' }] }],
    ['a type Slack does not send', { type: 'future_thing', user: { id: 'U0BOB' } }],
  ])('acknowledges %s, which nothing handles, instead of leaving Slack to time out', async (_what, payload) => {
    // Counted, and waited for: the log line reaches us through the process's stdout, possibly after the answer.
    const dropped = () => world.flightdeck.output().split('interaction of a type flightdeck does not handle').length - 1;
    const before = dropped();
    const response = await postSigned(world, interaction(payload));
    expect(response.status).toBe(200);
    await waitUntil('the dropped interaction to be logged', () => (dropped() > before ? true : undefined), 5_000);
  });

  it('acknowledges a click on a button nothing handles at once, and tells the clicker', async () => {
    const response = await world.driver.blockAction({
      userId: 'U0BOB',
      channelId: CHANNEL,
      messageTs: '1700000000.000100',
      actionId: 'legacy.approve-all',
      blockId: 'old-block',
      value: '42',
    });
    expect(response.status).toBe(200);
    await world.slack.waitFor(
      (state) => state.responses.some((reply) => JSON.stringify(reply).includes('no longer in use by flightdeck')) || undefined,
      5_000,
      'the ephemeral "no longer in use" reply',
    );
  });
});

describe('over Socket Mode', () => {
  let world: E2eWorld;

  beforeAll(async () => {
    world = await startE2eWorld({ mode: 'socket', catalog: CATALOG, checklists: { release: E2E_CHECKLIST } });
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it('acks a click with a wrong-typed field and runs nothing; the same click well formed is recorded', async () => {
    const { runId, messageTs, button } = await startRun(world, 'v8.0.1');
    for (const overrides of [{ response_url: true }, { user: null }, { actions: 5 }]) {
      const ack = await world.slack.socketMode.deliver('interactive', clickPayload(world, messageTs, button, overrides));
      expect(ack.payload).toEqual({});
    }
    expect(await ticksOf(world, runId)).toEqual([]);

    await world.slack.socketMode.deliver('interactive', clickPayload(world, messageTs, button, {}));
    expect(await ticksOf(world, runId)).toEqual(['U0BOB']);
  });

  it('replaces a modal submission with wrong-typed fields by a notice, changing nothing', async () => {
    const ack = await world.slack.socketMode.deliver('interactive', {
      type: 'view_submission',
      team: { id: world.slack.teamId, domain: world.slack.teamDomain },
      user: { id: 'U0ALICE', team_id: world.slack.teamId },
      trigger_id: world.slack.triggerId('U0ALICE'),
      view: { id: 'V0JUNK', type: 'modal', callback_id: 'flightdeck.deploy', private_metadata: '', state: 5 },
    });
    expect(ack.payload).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(ack.payload)).toContain('could not read this form');
  });
});
