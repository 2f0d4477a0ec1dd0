import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStore } from '../../src/run/store/run-store.js';
import type { KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { listButtons, type SlackDriver, type SlackEmulator, type StoredMessage } from '../../sandbox/slack/index.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { shownText } from '../support/shown-text.js';

const SIGNING_SECRET = 'e2e-living-secret';
const CHANNEL = 'C0LIVE';
const TICKS = 12;

// staging waits for a Start click; only deployers may start, pause, resume or abort there.
const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
roles:
  deployers: { users: [U0ALICE] }
environments:
  staging:
    cluster: emulator
    checklist: busy
    deployers: [deployers]
    confirmStart: true
services:
  cart:
    namespace: shop
    deployment: cart
    container: cart
    image: registry.example.com/acme/cart
    environments: [staging]
`;

const CHECKLIST = `
name: busy
phases:
  - id: prepare
    title: Preparation
    items:
${Array.from({ length: TICKS }, (_, i) => `      - { id: box-${i}, kind: manual, title: Preparation box ${i} }`).join('\n')}
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 30s }
  - id: day-after
    title: Day after
    after: 1s
    items:
      - { id: budget, kind: manual, title: Error budget looked at }
`;

describe.each(['http', 'socket'] as const)('the living run message over %s', (mode) => {
  let world: E2eWorld;
  let slack: SlackEmulator;
  let k8s: KubernetesEmulator;
  let driver: SlackDriver;
  let store: RunStore;

  async function deploy(version: string): Promise<{ runId: string; message: StoredMessage }> {
    const reply = await driver.slashCommand({ command: '/deploy', text: `cart ${version} to staging`, userId: 'U0ALICE', channelId: CHANNEL });
    const runId = /Run #(\d+)/.exec(JSON.stringify(reply.json ?? reply.body))![1]!;
    const message = await slack.waitFor((state) => state.messages(CHANNEL).find((m) => m.text.includes(version)), 10_000, `the ${version} message`);
    return { runId, message };
  }

  /** Clicks a control of the run message once it shows that button. */
  async function control(userId: string, messageTs: string, actionId: string) {
    await slack.waitFor((state) => listButtons(state.message(CHANNEL, messageTs)!.blocks).some((b) => b.actionId === actionId) || undefined, 10_000, `a ${actionId} button`);
    const response = await driver.clickButton({ userId, channelId: CHANNEL, messageTs, actionId });
    expect(response.status).toBe(200);
  }

  function threadTexts(messageTs: string): string[] {
    return slack.thread(CHANNEL, messageTs).map(shownText);
  }

  beforeAll(async () => {
    world = await startE2eWorld({
      mode,
      catalog: CATALOG,
      checklists: { busy: CHECKLIST },
      signingSecret: SIGNING_SECRET,
      kubernetes: { readyDelayMs: 100 },
      slack: { channels: [CHANNEL] },
      deployments: [{ namespace: 'shop', name: 'cart', container: 'cart', image: 'registry.example.com/acme/cart:v1.0.0', replicas: 2, progressDeadlineSeconds: 5 }],
    });
    ({ slack, k8s, driver, store } = world);
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it('starts, pauses, resumes and aborts from the message; a non-deployer is refused and audited', async () => {
    const { runId, message } = await deploy('v2.0.0');
    expect(listButtons(message.blocks).map((b) => b.actionId)).toEqual(['run.start', 'run.abort']);
    expect(listButtons(message.blocks).find((b) => b.actionId === 'run.abort')!.element.confirm).toBeDefined();

    await driver.clickButton({ userId: 'U0BOB', channelId: CHANNEL, messageTs: message.ts, actionId: 'run.start' });
    const refusal = await slack.waitFor((state) => state.ephemerals.find((e) => e.user === 'U0BOB'), 10_000, 'the refusal');
    expect(refusal.text).toContain('You may not deploy to staging: that needs the role `deployers`');
    expect((await store.get(runId))!.state).toBe('pending');
    expect((await store.audit(runId)).filter((entry) => entry.action === 'action.refused')).toEqual([
      expect.objectContaining({ actor: 'U0BOB', detail: expect.stringContaining('run.start') }),
    ]);

    await control('U0ALICE', message.ts, 'run.start');
    expect((await store.get(runId))!.state).toBe('waiting');
    await control('U0ALICE', message.ts, 'run.pause');
    expect((await store.get(runId))!.state).toBe('paused');
    await control('U0ALICE', message.ts, 'run.resume');
    expect((await store.get(runId))!.state).toBe('waiting');
    await control('U0ALICE', message.ts, 'run.abort');
    const aborted = (await store.get(runId))!;
    expect(aborted).toMatchObject({ state: 'aborted', reason: { kind: 'aborted', by: 'U0ALICE' } });

    // Thread replies are separate jobs paced per channel, so wait for all of them rather than for the last one sent.
    const expected = [
      (text: string) => text.includes('*Deployment summary* —'),
      (text: string) => text.startsWith(':double_vertical_bar: Paused by <@U0ALICE>'),
      (text: string) => text.startsWith(':arrow_forward: Resumed by <@U0ALICE>'),
      (text: string) => text.includes(`Run #${runId} aborted: aborted by <@U0ALICE>`),
    ];
    await slack.waitFor(
      () => expected.every((matches) => threadTexts(message.ts).some(matches)) || undefined,
      20_000,
      'the summary and the pause, resume and abort replies',
    );
    const final = await slack.waitFor((state) => (state.message(CHANNEL, message.ts)!.text.endsWith(': aborted') ? state.message(CHANNEL, message.ts) : undefined), 10_000, 'the aborted message');
    expect(listButtons(final.blocks)).toEqual([]);
    expect(k8s.getDeployment('shop', 'cart').spec.template.spec.containers[0].image).toBe('registry.example.com/acme/cart:v1.0.0');
  });

  it('coalesces edits under a one-per-second limit while many ticks land, and renders the final state', async () => {
    slack.rateLimit({ method: 'chat.update', perChannelPerSecond: 1 });
    const { runId, message } = await deploy('v2.1.0');
    await control('U0ALICE', message.ts, 'run.start');
    await slack.waitFor((state) => listButtons(state.message(CHANNEL, message.ts)!.blocks).some((b) => b.actionId === 'item.tick.box-0') || undefined, 10_000, 'tick buttons');
    const ticks = await Promise.all(
      Array.from({ length: TICKS }, (_, i) => driver.clickButton({ userId: 'U0BOB', channelId: CHANNEL, messageTs: message.ts, actionId: `item.tick.box-${i}` })),
    );
    expect(ticks.map((response) => response.status)).toEqual(Array(TICKS).fill(200));

    const final = await slack.waitFor(
      (state) => {
        const current = state.message(CHANNEL, message.ts)!;
        return current.blocks.some((block) => block.block_id === 'outcome') ? current : undefined;
      },
      40_000,
      'the final message',
    );
    const text = JSON.stringify(final.blocks);
    expect(final.text).toBe('Deploy cart v2.1.0 to staging: succeeded');
    for (let i = 0; i < TICKS; i++) expect(text).toMatch(new RegExp(`Preparation box ${i} — <@U0BOB> at \\d\\d:\\d\\d UTC`));
    expect(text).toContain('Succeeded');
    const updates = slack.calls.filter((call) => call.method === 'chat.update');
    expect(updates.filter((call) => call.status === 429)).toEqual([]);
    expect(updates.length).toBeLessThan(TICKS + 6);
    expect((await store.get(runId))!.state).toBe('succeeded');
  });

  it('posts a due follow-up as a reminder in the thread whose ticks work and update it', async () => {
    const run = (await store.activeRuns()).length === 0 ? (await store.history('cart', 'staging', 1))[0]! : undefined;
    expect(run?.state).toBe('succeeded');
    const reminder = await slack.waitFor(
      (state) => state.thread(CHANNEL, run!.messageTs!).find((reply) => reply.text === `Follow-up "Day after" for run #${run!.id} is due`),
      15_000,
      'the follow-up reminder',
    );
    await driver.clickButton({ userId: 'U0BOB', channelId: CHANNEL, messageTs: reminder.ts, actionId: 'item.tick.budget' });
    const updated = await slack.waitFor(
      (state) => (JSON.stringify(state.message(CHANNEL, reminder.ts)!.blocks).includes('Error budget looked at — <@U0BOB>') ? true : undefined),
      10_000,
      'the updated reminder',
    );
    expect(updated).toBe(true);
    const stored = (await store.get(run!.id))!;
    expect(stored.phases.at(-1)).toMatchObject({ state: 'done', items: [expect.objectContaining({ state: 'done', by: 'U0BOB' })] });
  });
});
