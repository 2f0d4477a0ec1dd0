import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackDriver, SlackEmulator } from '../../sandbox/slack/index.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitUntil } from '../support/wait-until.js';

const CHANNEL = 'C0HOME';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

// Alice deploys; Bob is QA: the run waits for his sign-off, which his Home tab shows first.
const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
roles:
  deployers:
    users: [${ALICE}]
  qa:
    users: [${BOB}]
environments:
  production:
    cluster: emulator
    checklist: signed
    deployers: [deployers]
services:
  shop:
    namespace: home
    deployment: shop
    container: shop
    image: registry.example.com/acme/shop
    environments: [production]
`;

const CHECKLIST = `
name: signed
roles:
  qa: tests the release
phases:
  - id: approvals
    title: Sign-offs
    items:
      - { id: qa, kind: signoff, title: QA passed, role: qa }
      - { id: notes, kind: manual, title: Release notes posted }
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
`;

const textsOf = (blocks: readonly unknown[]) => blocks.map((block) => (block as { text?: { text?: string } }).text?.text ?? '');

describe.each(['http', 'socket'] as const)('App Home over %s', (mode) => {
  let world: E2eWorld;
  let slack: SlackEmulator;
  let driver: SlackDriver;
  let store: RunStore;

  beforeAll(async () => {
    world = await startE2eWorld({
      mode,
      catalog: CATALOG,
      checklists: { signed: CHECKLIST },
      slack: { channels: [CHANNEL] },
      deployments: [{ namespace: 'home', name: 'shop', container: 'shop', image: 'registry.example.com/acme/shop:v1', replicas: 1 }],
    });
    ({ slack, driver, store } = world);
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it('a person who opens Home sees the sign-off waiting for them first, then the run, and the four keys once it ended', async () => {
    expect((await driver.slashCommand({ command: '/deploy', text: 'shop v2 to production', userId: ALICE, channelId: CHANNEL })).status).toBe(200);
    const run = await waitUntil('the run to wait for its sign-off', async () => {
      const active = await store.activeRunFor('shop', 'production');
      return active?.state === 'waiting' ? active : undefined;
    });
    expect(slack.homeView(BOB)).toBeUndefined();

    expect((await driver.appHomeOpened(BOB)).status).toBe(200);
    const home = await waitUntil('Bob\'s Home tab to be published', () => slack.homeView(BOB));
    const shown = textsOf(home.blocks);
    expect(shown.slice(0, 3)).toEqual(['flightdeck', '*Waiting for you*', `• #${run.id} *shop* \`v2\` → production: sign-off *QA passed* as qa (0 of 1) — in <#${CHANNEL}>`]);
    expect(shown[3]).toBe('*Active runs*');
    expect(shown[4]).toContain(`#${run.id} *shop* \`v2\` → production: waiting for`);
    expect(shown[4]).toContain('waiting on QA passed, Release notes posted');
    expect(shown).toContain('*The four keys, last 30 days*');
    expect(shown).toContain('*shop* in *production*: no deployments.');

    // Alice holds no QA role: her Home tab has nothing waiting for her, and the same run below.
    expect((await driver.appHomeOpened(ALICE)).status).toBe(200);
    const alice = textsOf((await waitUntil('Alice\'s Home tab to be published', () => slack.homeView(ALICE))).blocks);
    expect(alice[2]).toBe('No sign-off waits for you.');
    expect(alice[4]).toContain(`#${run.id} *shop*`);

    // Bob signs off in the run's message: the run changes, and his Home tab is published again without it.
    const published = slack.homeView(BOB)!.publishes;
    const messageTs = await waitUntil('the run message', async () => (await store.get(run.id))?.messageTs);
    expect((await driver.clickButton({ userId: BOB, channelId: CHANNEL, messageTs, actionId: 'item.approve.qa' })).status).toBe(200);
    const refreshed = await waitUntil('Bob\'s Home tab to be refreshed by the run change', () => {
      const now = slack.homeView(BOB)!;
      return now.publishes > published && textsOf(now.blocks)[2] === 'No sign-off waits for you.' ? now : undefined;
    });
    expect(textsOf(refreshed.blocks)[4]).toContain('waiting on Release notes posted');

    // Alice ticks the last box and the release rolls out: once the run has ended, the four keys count it.
    expect((await driver.clickButton({ userId: ALICE, channelId: CHANNEL, messageTs, actionId: 'item.tick.notes' })).status).toBe(200);
    await waitUntil('the run to succeed', async () => ((await store.get(run.id))?.state === 'succeeded' ? true : undefined), 30_000);
    const counted = await waitUntil('Bob\'s Home tab to count the deployment', () => textsOf(slack.homeView(BOB)!.blocks).find((text) => text.startsWith('*shop* in *production*: 1 deployment ')), 30_000);
    expect(counted).toContain('change failure rate 0% (0 of 1)');
  });
});
