import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStore } from '../../src/run/store/run-store.js';
import { findButton, listButtons, signSlackRequest, type SlackDriver, type SlackEmulator } from '../../sandbox/slack/index.js';
import { runIdIn } from '../support/run-id-in.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitUntil } from '../support/wait-until.js';
import { isSummary } from '../support/shown-text.js';

const SIGNING_SECRET = 'e2e-signoffs-secret';
const CHANNEL = 'C0SIGN';

// Four roles: three by user, security through a Slack user group. Alice deploys and also holds
// product-owner, so her own approval is the four-eyes case.
const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
roles:
  deployers: { users: [U0ALICE] }
  tech-lead: { users: [U0LEAD] }
  security: { groups: [S0SEC] }
  operations: { users: [U0OPS] }
  product-owner: { users: [U0ALICE, U0PO] }
environments:
  production:
    cluster: emulator
    checklist: signoffs
    deployers: [deployers]
    confirmSignoffs: true
services:
  billing:
    namespace: money
    deployment: billing
    container: billing
    image: registry.example.com/acme/billing
    environments: [production]
`;

const CHECKLIST = `
name: signoffs
roles:
  tech-lead: approves the change
  security: reviews the change
  operations: owns the platform
  product-owner: owns the product
phases:
  - id: approvals
    title: Sign-offs
    items:
      - { id: lead, kind: signoff, title: Technical lead approves, role: tech-lead }
      - { id: security, kind: signoff, title: Security approves, role: security, quorum: 2 }
      - { id: operations, kind: signoff, title: Operations approves, role: operations }
      - { id: product, kind: signoff, title: Product owner approves, role: product-owner }
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 30s }
`;

describe.each(['http', 'socket'] as const)('sign-offs end to end over %s', (mode) => {
  let world: E2eWorld;
  let slack: SlackEmulator;
  let driver: SlackDriver;
  let store: RunStore;
  let runId: string;
  let messageTs: string;

  /** Clicks a button of the run message as `userId`, even one no longer shown (a stale message). */
  async function click(userId: string, actionId: string) {
    const value = `${runId}:${actionId.split('.').at(-1)}`;
    return driver.blockAction({ userId, channelId: CHANNEL, messageTs, actionId, blockId: 'items-approvals-0', value });
  }

  /** The ephemeral replies `userId` got so far. */
  function ephemeralsOf(userId: string): string[] {
    return slack.ephemerals.filter((message) => message.user === userId).map((message) => message.text);
  }

  async function nextEphemeral(userId: string, before: number): Promise<string> {
    return slack.waitFor((state) => state.ephemerals.filter((message) => message.user === userId)[before]?.text, 10_000, `an ephemeral to ${userId}`);
  }

  /** Delivers one block_actions payload twice, the second time marked as Slack's retry: same action_ts. */
  async function deliverTwice(userId: string, actionId: string, value: string): Promise<void> {
    const payload = {
      type: 'block_actions',
      user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: slack.teamId },
      api_app_id: slack.appId,
      token: 'legacy',
      trigger_id: slack.triggerId(userId),
      team: { id: slack.teamId, domain: slack.teamDomain },
      container: { type: 'message', message_ts: messageTs, channel_id: CHANNEL, is_ephemeral: false },
      channel: { id: CHANNEL, name: 'signoffs' },
      message: { type: 'message', ts: messageTs, text: '', blocks: [] },
      state: { values: {} },
      response_url: slack.responseUrl({ channelId: CHANNEL, userId, messageTs }),
      actions: [{ type: 'button', action_id: actionId, block_id: 'items-approvals-0', value, text: { type: 'plain_text', text: 'Approve' }, action_ts: '1700000012.345678' }],
    };
    for (const retry of [undefined, 1]) {
      if (mode === 'socket') {
        await slack.socketMode.deliver('interactive', payload, retry === undefined ? {} : { retryAttempt: retry, retryReason: 'timeout' });
      } else {
        const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
        const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, body) };
        if (retry !== undefined) Object.assign(headers, { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_timeout' });
        expect((await driver.send(body, headers)).status).toBe(200);
      }
    }
  }

  beforeAll(async () => {
    world = await startE2eWorld({
      mode,
      catalog: CATALOG,
      checklists: { signoffs: CHECKLIST },
      signingSecret: SIGNING_SECRET,
      kubernetes: { readyDelayMs: 100 },
      slack: {
        channels: [CHANNEL],
        users: ['U0ALICE', 'U0BOB', 'U0LEAD', 'U0SEC1', 'U0SEC2', 'U0OPS', 'U0PO'].map((id) => ({ id, name: id.slice(2).toLowerCase() })),
        usergroups: { S0SEC: ['U0SEC1', 'U0SEC2'] },
      },
      deployments: [{ namespace: 'money', name: 'billing', container: 'billing', image: 'registry.example.com/acme/billing:v1.0.0', replicas: 2, progressDeadlineSeconds: 5 }],
    });
    ({ slack, driver, store } = world);

    const reply = await driver.slashCommand({ command: '/deploy', text: 'billing v2.0.0 to production', userId: 'U0ALICE', channelId: CHANNEL });
    runId = runIdIn(JSON.stringify(reply.json ?? reply.body));
    const posted = await slack.waitFor((state) => state.messages(CHANNEL)[0], 10_000, 'the run message');
    messageTs = posted.ts;
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it('offers one Approve button per sign-off, each behind a confirm dialog in production', () => {
    const buttons = listButtons(slack.message(CHANNEL, messageTs)!.blocks).filter((button) => button.actionId.startsWith('item.approve.'));
    expect(buttons.map((button) => button.actionId)).toEqual(['item.approve.lead', 'item.approve.security', 'item.approve.operations', 'item.approve.product']);
    for (const button of buttons) expect(button.element.confirm).toMatchObject({ confirm: { text: 'Approve' }, deny: { text: 'Cancel' } });
  });

  it('refuses the requester approving their own run, records no approval, and audits the refusal', async () => {
    const seen = ephemeralsOf('U0ALICE').length;
    const response = await click('U0ALICE', 'item.approve.product');
    expect(response.status).toBe(200);
    expect(await nextEphemeral('U0ALICE', seen)).toContain('four-eyes principle, someone else must sign off');
    expect((await store.get(runId))!.phases[0]!.items[3]).toMatchObject({ state: 'pending', approvals: [] });
    const refused = (await store.audit(runId)).filter((entry) => entry.action === 'action.refused' && entry.actor === 'U0ALICE');
    expect(refused).toEqual([expect.objectContaining({ detail: expect.stringContaining('four-eyes') })]);
  });

  it('refuses and audits a click by someone without the role, naming the role', async () => {
    const response = await click('U0BOB', 'item.approve.lead');
    expect(response.status).toBe(200);
    expect(await nextEphemeral('U0BOB', 0)).toContain('Only people with the role `tech-lead` may approve "Technical lead approves"');
    const refused = (await store.audit(runId)).filter((entry) => entry.action === 'action.refused' && entry.actor === 'U0BOB');
    expect(refused).toEqual([expect.objectContaining({ detail: expect.stringContaining('item.approve.lead lead: Only people with the role `tech-lead`') })]);
    expect((await store.get(runId))!.phases[0]!.items[0]!.state).toBe('pending');
  });

  it('records an approval once and answers a second click by the same approver with when they approved', async () => {
    await driver.clickButton({ userId: 'U0LEAD', channelId: CHANNEL, messageTs, actionId: 'item.approve.lead' });
    const again = await click('U0LEAD', 'item.approve.lead');
    expect(again.status).toBe(200);
    expect(await nextEphemeral('U0LEAD', 0)).toMatch(/^You already approved "Technical lead approves" at \d\d:\d\d UTC\.$/);
    const approvals = (await store.audit(runId)).filter((entry) => entry.action === 'signoff.approved' && entry.actor === 'U0LEAD');
    expect(approvals).toHaveLength(1);
  });

  it('records both of two approvers clicking at once (members of the security user group)', async () => {
    const responses = await Promise.all(['U0SEC1', 'U0SEC2'].map((userId) => click(userId, 'item.approve.security')));
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    const item = (await store.get(runId))!.phases[0]!.items[1]!;
    expect(item.state).toBe('done');
    expect(item.kind === 'signoff' && item.approvals.map((approval) => approval.by).sort()).toEqual(['U0SEC1', 'U0SEC2']);
    expect(ephemeralsOf('U0SEC1').concat(ephemeralsOf('U0SEC2'))).toEqual([]);
  });

  it('gives a retried delivery of one click a single effect', async () => {
    // The repeat's own log line, not a quiet moment after a sleep, says it was dealt with (src/slack/drop-redeliveries.ts, register-run-actions.ts).
    const drops = () => world.flightdeck.output().split(/dropped a repeated Slack delivery|repeated delivery of a click dropped/).length - 1;
    const before = drops();
    await deliverTwice('U0PO', 'item.approve.product', `${runId}:product`);
    await waitUntil('the repeated click to be dropped', () => (drops() > before ? true : undefined), 10_000);
    const approvals = (await store.audit(runId)).filter((entry) => entry.action === 'signoff.approved' && entry.actor === 'U0PO');
    expect(approvals).toHaveLength(1);
    expect(ephemeralsOf('U0PO')).toEqual([]);
  });

  it('rolls out after the last sign-off and posts the deployment summary in the thread', async () => {
    await driver.clickButton({ userId: 'U0OPS', channelId: CHANNEL, messageTs, actionId: 'item.approve.operations' });
    const summary = await slack.waitFor(
      (state) => state.thread(CHANNEL, messageTs).find(isSummary),
      30_000,
      'the deployment summary',
    );
    const text = JSON.stringify(summary.blocks);
    expect(text).toContain(`run #${runId}: billing \`v2.0.0\` to *production*, succeeded`);
    expect(text).toContain('deployed by <@U0ALICE>');
    expect(text).toContain('Technical lead approves (`tech-lead`): <@U0LEAD> at');
    expect(text).toMatch(/Security approves \(`security`\): <@U0SEC[12]> at \d\d:\d\d UTC, <@U0SEC[12]> at/);
    expect(text).toContain('*Rollback needed:* no');
    // The summary is recorded on the run right after Slack accepted it.
    const run = await waitUntil('the summary to be recorded', async () => ((await store.get(runId))?.summaryPosted ? store.get(runId) : undefined));
    expect(run).toMatchObject({ state: 'succeeded', summaryPosted: true });
    expect(slack.thread(CHANNEL, messageTs).filter(isSummary)).toHaveLength(1);
    expect(() => findButton(slack.message(CHANNEL, messageTs)!.blocks, 'item.approve.operations')).toThrow();
  });
});
