import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, Run } from '../../src/run/core/run-schema.js';
import { rollbackConfirmView } from '../../src/slack/rollback-confirm-view.js';
import { listButtons } from '../../sandbox/slack/index.js';
import { signSlackRequest } from '../../sandbox/slack/sign-slack-request.js';
import { replyText } from '../support/reply-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitForRunState } from '../support/wait-for-run-state.js';
import { waitUntil } from '../support/wait-until.js';

const SIGNING_SECRET = 'e2e-gate-secret';
const CHANNEL = 'C0ORDERS';
const REPO = 'registry.example.com/acme/orders';

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
roles:
  deployer:
    users: [U0ALICE]
  sre:
    users: [U0SRE]
  staging-sre:
    users: [U0STG]
environments:
  production:
    cluster: emulator
    checklist: gated
    deployers: [deployer]
    rollbackers: [sre]
  staging:
    cluster: emulator
    checklist: gated
    rollbackers: [staging-sre]
services:
  orders:
    namespace: shop
    deployment: orders
    container: orders
    image: ${REPO}
    environments: [production, staging]
`;

// A deploy waits at "go" until someone ticks it, then changes the image and waits for the rollout.
const CHECKLIST = `
name: gated
phases:
  - id: pre
    title: Go
    items:
      - { id: go, kind: manual, title: Go ahead }
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 60s }
`;

describe.each(['http', 'socket'] as const)('the gate over %s', (mode) => {
  let world: E2eWorld;
  let runA: string;
  let runB: string;
  let rollbackOfB: string;

  const image = () => world.k8s.getDeployment('shop', 'orders').spec.template.spec.containers[0].image as string;
  const settle = (id: string, states: readonly string[]): Promise<Run> => waitForRunState(world.store, id, states);
  const refusals = async (runId: string | undefined, actor: string): Promise<AuditEntry[]> =>
    (await world.store.audit(runId, 200)).filter((entry) => entry.actor === actor && entry.action.endsWith('.refused'));

  async function deploy(version: string): Promise<string> {
    const response = await world.driver.slashCommand({ command: '/deploy', text: `orders ${version} to production`, userId: 'U0ALICE', channelId: CHANNEL });
    const match = /Run #(\d+)/.exec(replyText(response));
    expect(match, replyText(response)).not.toBeNull();
    await settle(match![1]!, ['waiting']);
    return match![1]!;
  }

  async function messageOf(id: string): Promise<string> {
    return waitUntil(`run ${id}'s message`, async () => {
      const ts = (await world.store.get(id))?.messageTs;
      return ts && world.slack.message(CHANNEL, ts) ? ts : undefined;
    });
  }

  async function tickGo(id: string): Promise<void> {
    await world.driver.clickButton({ userId: 'U0ALICE', channelId: CHANNEL, messageTs: await messageOf(id), actionId: 'item.tick.go' });
  }

  /** The next ephemeral answer `userId` gets after `seen` earlier ones. */
  async function nextEphemeral(userId: string, seen: number): Promise<string> {
    const found = await world.slack.waitFor((state) => state.ephemerals.filter((e) => e.user === userId)[seen], 10_000, `answer ${seen + 1} to ${userId}`);
    return found.text;
  }
  const ephemeralCount = (userId: string) => world.slack.ephemerals.filter((e) => e.user === userId).length;

  /** A click whose payload was edited (another run's id, another action) but is correctly signed. */
  async function forgedClick(userId: string, actionId: string, value: string, onRun: string): Promise<void> {
    const response = await world.driver.blockAction({ userId, channelId: CHANNEL, messageTs: await messageOf(onRun), actionId, blockId: 'forged', value });
    expect(response.status).toBe(200);
  }

  beforeAll(async () => {
    world = await startE2eWorld({
      mode,
      catalog: CATALOG,
      checklists: { gated: CHECKLIST },
      signingSecret: SIGNING_SECRET,
      kubernetes: { readyDelayMs: 100 },
      slack: { channels: [CHANNEL] },
      deployments: [{ namespace: 'shop', name: 'orders', container: 'orders', image: `${REPO}:v1`, replicas: 2, progressDeadlineSeconds: 120 }],
      beforeStart: ({ k8s }) => k8s.neverReady(`${REPO}:v3-stuck`),
    });
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it("refuses an old run's Rollback button while another run holds the lock, naming that run, and leaves it untouched", async () => {
    runA = await deploy('v2');
    await tickGo(runA);
    expect((await settle(runA, ['succeeded', 'failed', 'error'])).state).toBe('succeeded');
    runB = await deploy('v3-stuck');
    await messageOf(runB);
    const before = (await world.store.get(runB))!;

    const messageA = await messageOf(runA);
    await waitUntil("A's Rollback button", () => listButtons(world.slack.message(CHANNEL, messageA)!.blocks).some((b) => b.actionId === 'run.rollback') || undefined);
    const seen = ephemeralCount('U0SRE');
    await world.driver.clickButton({ userId: 'U0SRE', channelId: CHANNEL, messageTs: messageA, actionId: 'run.rollback', value: runA });
    const answer = await nextEphemeral('U0SRE', seen);
    expect(answer).toContain(`Run #${runB} (\`v3-stuck\``);
    expect(answer).toContain(`run #${runA} cannot be rolled back now`);
    expect(world.slack.openViews('U0SRE').filter((view) => view.open)).toEqual([]);
    expect(await world.store.get(runB)).toEqual(before);
    expect((await world.store.activeRunFor('orders', 'production'))?.id).toBe(runB);
    expect(await refusals(runA, 'U0SRE')).toEqual([
      expect.objectContaining({ action: 'action.refused', detail: expect.stringContaining(`run.rollback ${runA}: Run #${runB}`) }),
    ]);
  });

  it('refuses /rollback from someone without the rollback role, and audits it', async () => {
    const response = await world.driver.slashCommand({ command: '/rollback', text: 'orders production', userId: 'U0ALICE', channelId: CHANNEL });
    expect(replyText(response)).toContain('You may not roll back in production');
    expect(await refusals(undefined, 'U0ALICE')).toContainEqual(expect.objectContaining({ action: 'command.refused', detail: expect.stringContaining('/rollback orders production') }));
  });

  it('with B mid-rollout, /rollback stops B in the same script and rolls back once; B patches nothing after', async () => {
    await tickGo(runB);
    await waitUntil('B mid-rollout', async () => {
      const run = await world.store.get(runB);
      const wait = run?.phases[1]!.items.find((item) => item.id === 'wait');
      return wait?.state === 'running' && image() === `${REPO}:v3-stuck` ? true : undefined;
    });
    const requestsBefore = world.k8s.requests.length;

    await world.driver.slashCommand({ command: '/rollback', text: 'orders production', userId: 'U0SRE', channelId: CHANNEL });
    const dialog = await waitUntil('the confirm dialog', () => world.slack.openViews('U0SRE').find((v) => v.open && v.callbackId === 'rollback.confirm'));
    expect(JSON.stringify(dialog.blocks)).toContain(`This undoes run #${runB}`);
    expect((await world.driver.viewSubmission({ userId: 'U0SRE', viewId: dialog.id })).status).toBe(200);

    const undone = await settle(runB, ['rolled-back', 'rollback-failed']);
    expect(undone.state).toBe('rolled-back');
    rollbackOfB = undone.rollbackRunId!;
    expect((await settle(rollbackOfB, ['succeeded', 'failed', 'error'])).state).toBe('succeeded');
    expect(image()).toBe(`${REPO}:v2`);

    const historyRuns = await world.store.history('orders', 'production', 10);
    expect(historyRuns.filter((run) => run.kind === 'rollback').map((run) => run.id)).toEqual([rollbackOfB]);
    const stopped = (await world.store.audit(runB)).find((entry) => entry.action === 'run.stopped');
    expect(stopped).toMatchObject({ actor: 'U0SRE', detail: expect.stringContaining(`rollback run ${rollbackOfB}`) });
    const writesByB = world.k8s.requests
      .slice(requestsBefore)
      .filter((request) => request.method !== 'GET' && JSON.stringify(request.body ?? '').includes(`flightdeck run #${runB}:`));
    expect(writesByB).toEqual([]);
  });

  it("refuses a deployer's abort of a rollback run (an edited click): rollback runs need the rollback role", async () => {
    const seen = ephemeralCount('U0ALICE');
    await forgedClick('U0ALICE', 'run.abort', rollbackOfB, runB);
    expect(await nextEphemeral('U0ALICE', seen)).toContain('You may not roll back in production');
    expect(await refusals(rollbackOfB, 'U0ALICE')).toEqual([expect.objectContaining({ detail: expect.stringContaining('[run.abort: run-operator]') })]);
  });

  it('refuses an Acknowledge without the role, and one for an incident that does not exist, auditing both', async () => {
    const aliceSeen = ephemeralCount('U0ALICE');
    await forgedClick('U0ALICE', 'incident.ack', `${runB}:error-rate`, runB);
    expect(await nextEphemeral('U0ALICE', aliceSeen)).toContain('You may not roll back in production');
    const sreSeen = ephemeralCount('U0SRE');
    await forgedClick('U0SRE', 'incident.ack', `${runB}:error-rate`, runB);
    expect(await nextEphemeral('U0SRE', sreSeen)).toContain(`There is no incident of run #${runB}`);
    expect((await refusals(runB, 'U0ALICE')).map((entry) => entry.detail)).toContainEqual(expect.stringContaining('[incident.acknowledge: rollbacker]'));
    expect((await refusals(runB, 'U0SRE')).map((entry) => entry.detail)).toContainEqual(expect.stringContaining('[incident.acknowledge: incident-exists]'));
  });

  it("refuses a rollback dialog whose metadata names another environment: the stored run's environment decides", async () => {
    const client = new WebClient(world.slack.token, { slackApiUrl: world.slack.apiUrl, retryConfig: { retries: 0 } });
    const forged = rollbackConfirmView({ service: 'orders', environment: 'staging', runId: runA, channel: CHANNEL }, 'Roll back?');
    const opened = await client.views.open({ trigger_id: world.slack.triggerId('U0STG'), view: forged });
    const response = await world.driver.viewSubmission({ userId: 'U0STG', viewId: opened.view!.id! });
    expect(response.status).toBe(200);
    expect(JSON.stringify(response.json ?? response.viewAck)).toContain('You may not roll back in production');
    expect((await world.store.get(runA))!.state).toBe('succeeded');
    expect(await refusals(runA, 'U0STG')).toEqual([expect.objectContaining({ action: 'action.refused', detail: expect.stringContaining('[rollback.confirm: rollbacker]') })]);
  });

  it('a run that lost its lock ends aborted before its step changes the cluster', async () => {
    const runC = await deploy('v4');
    const before = image();
    await world.redis.del(`{${world.flightdeck.redisPrefix}}:lock:orders:production`);
    await tickGo(runC);
    const ended = await settle(runC, ['aborted', 'failed', 'error', 'succeeded']);
    expect(ended.state).toBe('aborted');
    expect(ended.reason).toContain('changed nothing');
    expect(image()).toBe(before);
  });

  it.skipIf(mode === 'socket')('answers /rollback whose trigger Slack refuses with the reason and what to do, never an internal error or an open dialog', async () => {
    const fields = {
      token: 'legacy',
      team_id: world.slack.teamId,
      team_domain: world.slack.teamDomain,
      channel_id: CHANNEL,
      channel_name: 'orders',
      user_id: 'U0SRE',
      user_name: 'sre',
      command: '/rollback',
      text: 'orders production to 1',
      api_app_id: world.slack.appId,
      is_enterprise_install: 'false',
      response_url: world.slack.responseUrl({ channelId: CHANNEL, userId: 'U0SRE' }),
      trigger_id: '1.2.deadbeef',
    };
    const body = new URLSearchParams(fields).toString();
    const seen = ephemeralCount('U0SRE');
    const response = await world.driver.send(body, { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, body) });
    expect(response.status).toBe(200);
    const answer = await nextEphemeral('U0SRE', seen);
    expect(answer).toContain('Slack did not let me open the dialog (invalid_trigger_id)');
    expect(answer).toContain('Click the button or type the command again.');
    expect(answer).not.toContain('internal error');
    expect(answer).not.toContain('dialog that opened');
  });
});
