import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStore } from '../../src/run/store/run-store.js';
import type { SlackDriver } from '../../sandbox/slack/index.js';
import type { FlightdeckProcess } from '../support/flightdeck-process.js';
import { replyText } from '../support/reply-text.js';
import { runIdIn } from '../support/run-id-in.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';

const CHANNEL = 'C0WINDOWS';
const AUDIT = 'C0AUDIT';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_MS = 86_400_000;

/** A weekday three days from today (UTC): never the day this test runs on, whenever it runs. */
const closedDay = DAYS[(new Date().getUTCDay() + 3) % 7] ?? 'sun';
const isoDate = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);

/**
 * production takes deployments one weekday a week (not today) and announces its emergencies in an audit
 * channel too; staging may be frozen by leads; eu is in a catalog freeze that started yesterday; dr has an
 * emergency override and no audit channel.
 */
const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
roles:
  leads:
    users: [${ALICE}]
  approvers:
    users: [${ALICE}, ${CAROL}]
environments:
  production:
    cluster: emulator
    checklist: quick
    emergency: { deployers: [leads], approver: approvers, auditChannel: ${AUDIT} }
    deployWindows:
      timeZone: UTC
      allow:
        - { days: [${closedDay}], from: "09:00", to: "17:00" }
  staging:
    cluster: emulator
    checklist: quick
    freezers: [leads]
  eu:
    cluster: emulator
    checklist: quick
    freezes:
      - { from: "${isoDate(-1)}", until: "${isoDate(3)}", reason: Year-end freeze }
  dr:
    cluster: emulator
    checklist: quick
    emergency: { deployers: [leads], approver: approvers }
services:
  shop:
    namespace: windows
    deployment: shop
    container: shop
    image: registry.example.com/acme/shop
    environments: [staging, production, eu, dr]
`;

const QUICK = `
name: quick
phases:
  - id: ok
    title: OK
    items:
      - { id: fine, kind: manual, title: Fine }
`;

describe('deploy windows and freezes', () => {
  let world: E2eWorld;
  let flightdeck: FlightdeckProcess;
  let driver: SlackDriver;
  let redis: Redis;
  let store: RunStore;

  const deploy = (text: string, userId = BOB) => driver.slashCommand({ command: '/deploy', text, userId, channelId: CHANNEL });
  const runKeys = () => redis.keys(`{${flightdeck.redisPrefix}}:run:*`);
  const auditOf = async (action: string) => (await store.audit(undefined, 100)).filter((entry) => entry.action === action);

  beforeAll(async () => {
    world = await startE2eWorld({
      mode: 'http',
      catalog: CATALOG,
      checklists: { quick: QUICK },
      signingSecret: 'e2e-windows-secret',
      slack: { channels: [CHANNEL, AUDIT] },
      deployments: [{ namespace: 'windows', name: 'shop', container: 'shop', image: 'registry.example.com/acme/shop:v1.0.0', replicas: 1 }],
    });
    ({ flightdeck, driver, redis, store } = world);
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it('refuses a deploy outside the windows, saying when the next one opens, recording no run and auditing the refusal', async () => {
    const before = await runKeys();
    const reply = replyText(await deploy('shop v2.0.0 to production'));
    expect(reply).toContain('production takes deployments only inside its deploy windows, and this is outside them.');
    expect(reply).toMatch(new RegExp(`Deployments open again ${closedDay[0]!.toUpperCase()}${closedDay.slice(1)} \\d{4}-\\d{2}-\\d{2} 09:00 UTC`));
    expect(reply).toContain('Rollbacks are not held');
    expect(await runKeys()).toEqual(before);
    expect((await auditOf('command.refused')).map((entry) => entry.detail)).toContainEqual(expect.stringContaining('[deploy.start: deploy-window]'));
  });

  it('refuses a deploy in a catalog freeze with its reason, and /deploy unfreeze cannot lift it', async () => {
    const reply = replyText(await deploy('shop v2.0.0 to eu'));
    expect(reply).toContain('eu is frozen until');
    expect(reply).toContain(': Year-end freeze.');
    expect(reply).toContain('This freeze is in the catalog');
    const unfreeze = replyText(await deploy('unfreeze eu', ALICE));
    expect(unfreeze).toContain('eu has no freeze declared with `/deploy freeze` to lift.');
    expect(unfreeze).toContain('A freeze from the catalog ends when its dates say');
  });

  it('lets only a freezer freeze; a freeze holds every deploy until it is lifted, and both are audited', async () => {
    const refused = replyText(await deploy('freeze staging 2h release soak', BOB));
    expect(refused).toContain('that needs the role `leads`');

    const frozen = await deploy('freeze staging 2h release candidate soak', ALICE);
    expect(replyText(frozen)).toContain(`<@${ALICE}> froze *staging* until`);
    expect(replyText(frozen)).toContain('release candidate soak');
    expect((await auditOf('environment.frozen')).map((entry) => [entry.actor, entry.detail])).toContainEqual([ALICE, expect.stringMatching(/^staging until .*: release candidate soak$/)]);

    const before = await runKeys();
    const held = replyText(await deploy('shop v2.0.0 to staging'));
    expect(held).toContain(`staging is frozen by <@${ALICE}> until`);
    expect(held).toContain('release candidate soak');
    expect(held).toContain('`/deploy unfreeze <environment>`');
    expect(await runKeys()).toEqual(before);

    expect(replyText(await deploy('unfreeze staging', BOB))).toContain('that needs the role `leads`');
    const lifted = replyText(await deploy('unfreeze staging', ALICE));
    expect(lifted).toContain(`<@${ALICE}> lifted the freeze on *staging* (declared by <@${ALICE}>: release candidate soak)`);
    expect(await auditOf('environment.unfrozen')).toHaveLength(1);

    const started = replyText(await deploy('shop v2.0.0 to staging'));
    expect(runIdIn(started)).toMatch(/^\d+$/);
  });

  it('announces an emergency only in the invoking channel where the environment names no audit channel', async () => {
    const announced = await deploy('shop v3.0.0 to dr --emergency restore from backup', ALICE);
    expect(announced.json).toMatchObject({ response_type: 'in_channel' });
    const runId = runIdIn(replyText(announced));
    // The run's own message shows its jobs were worked; the audit channel is judged after production's
    // announcement below, which was queued later than any announcement of this run could have been.
    await world.slack.waitFor((state) => state.messages(CHANNEL).find((candidate) => JSON.stringify(candidate.blocks).includes(`Run #${runId}`)), 10_000, 'the dr emergency run message');
  });

  it('lets a lead deploy past the window with --emergency, announced, marked and held for a second approver (counted: metrics-fed.test.ts)', async () => {
    const refused = replyText(await deploy('shop v3.0.0 to production --emergency checkout is down', BOB));
    expect(refused).toContain('that needs the role `leads`');
    expect(replyText(await deploy('shop v3.0.0 to eu --emergency checkout is down', ALICE))).toContain('eu has no emergency override');

    const announced = await deploy('shop v3.0.0 to production --emergency checkout is down', ALICE);
    expect(announced.json).toMatchObject({ response_type: 'in_channel' });
    const text = replyText(announced);
    expect(text).toContain(`:rotating_light: *Emergency deploy* by <@${ALICE}>`);
    expect(text).toContain('Why: checkout is down');
    const runId = runIdIn(text);
    const run = await store.get(runId);
    expect(run).toMatchObject({ emergency: { reason: 'checkout is down', by: ALICE }, confirm: { signoffs: true } });
    expect(run?.phases.map((phase) => phase.id)).toEqual(['emergency', 'ok']);
    expect((await auditOf('run.requested.emergency')).map((entry) => entry.detail)).toContainEqual(expect.stringContaining('shop v3.0.0 to production (emergency override, awaiting a second approval by approvers: checkout is down'));

    // The audit channel gets the same words, posted by a worker from the notify queue; dr's emergency, which
    // names no audit channel, is not there.
    const audited = await world.slack.waitFor((state) => state.messages(AUDIT).find((candidate) => candidate.text.includes(`Run #${runId}`)), 10_000, 'the audit channel announcement');
    expect(audited.text).toBe(text);
    expect(audited.threadTs).toBeUndefined();
    expect(world.slack.messages(AUDIT).map((candidate) => candidate.text)).toEqual([text]);

    const message = await world.slack.waitFor((state) => state.messages(CHANNEL).find((candidate) => JSON.stringify(candidate.blocks).includes(`Run #${runId}`)), 10_000, 'the emergency run message');
    expect(JSON.stringify(message.blocks)).toContain('Emergency override* of deploy windows and freezes: checkout is down');

    // Four eyes: the requester holds the approver role and still may not approve their own emergency.
    await driver.clickButton({ userId: ALICE, channelId: CHANNEL, messageTs: message.ts, actionId: 'item.approve.emergency-second-approval' });
    expect((await store.audit(runId)).filter((entry) => entry.action === 'action.refused' && entry.actor === ALICE)).toEqual([expect.objectContaining({ detail: expect.stringContaining('four-eyes') })]);
    await driver.clickButton({ userId: CAROL, channelId: CHANNEL, messageTs: message.ts, actionId: 'item.approve.emergency-second-approval' });
    const approved = await store.get(runId);
    expect(approved?.phases[0]).toMatchObject({ state: 'done', items: [{ state: 'done', approvals: [{ by: CAROL }] }] });
    expect(approved?.phases[1]?.state).toBe('active');
  });

  it('answers a malformed freeze with its usage and changes nothing', async () => {
    for (const text of ['freeze staging', 'freeze staging soon because', 'freeze staging 2h', 'freeze staging 200d too long', 'unfreeze staging now', 'shop v2 to staging --emergency']) {
      expect(replyText(await deploy(text, ALICE))).toContain('Usage: `/deploy ');
    }
    expect(replyText(await deploy(`freeze staging ${isoDate(-2)} past`, ALICE))).toContain('would already be over. Nothing was frozen.');
    expect(await redis.exists(`{${flightdeck.redisPrefix}}:freeze:staging`)).toBe(0);
  });

  it('ends a freeze given as a date at the midnight that starts it (UTC for an environment without windows)', async () => {
    expect(replyText(await deploy(`freeze staging ${isoDate(2)} release soak`, ALICE))).toContain('froze *staging* until');
    const stored = JSON.parse((await redis.get(`{${flightdeck.redisPrefix}}:freeze:staging`)) ?? '{}') as { until?: number };
    expect(stored.until).toBe(Date.parse(`${isoDate(2)}T00:00:00Z`));
    expect(replyText(await deploy('unfreeze staging', ALICE))).toContain('lifted the freeze on *staging*');
  });
});
