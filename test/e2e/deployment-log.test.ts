import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listButtons, type SlackDriver, type SlackEmulator } from '../../sandbox/slack/index.js';
import type { FlightdeckProcess } from '../support/flightdeck-process.js';
import { replyText } from '../support/reply-text.js';
import { runIdIn } from '../support/run-id-in.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { isSummary } from '../support/shown-text.js';

const CLI = join(resolve(import.meta.dirname, '../..'), 'dist/src/cli.js');
const CHANNEL = 'C0LOG';
const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
roles:
  tech-lead: { users: [U0BOB] }
environments:
  production:
    cluster: emulator
    checklist: logged
services:
  api:
    namespace: shop
    deployment: api
    container: api
    image: registry.example.com/acme/api
    environments: [production]
`;
const CHECKLIST = `
name: logged
roles:
  tech-lead: approves the change
phases:
  - id: pre
    title: Pre-deployment
    items:
      - { id: ci-green, kind: manual, title: CI is green for this version }
      - { id: lead, kind: signoff, title: Technical lead approves, role: tech-lead }
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 30s }
`;

describe('the deployment log end to end', () => {
  let world: E2eWorld;
  let slack: SlackEmulator;
  let driver: SlackDriver;
  let flightdeck: FlightdeckProcess;
  let k8s: E2eWorld['k8s'];

  beforeAll(async () => {
    world = await startE2eWorld({
      mode: 'http',
      catalog: CATALOG,
      checklists: { logged: CHECKLIST },
      kubernetes: { readyDelayMs: 100 },
      slack: { channels: [CHANNEL] },
      deployments: [{ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.4.1', replicas: 2, progressDeadlineSeconds: 3 }],
    });
    ({ slack, driver, flightdeck, k8s } = world);
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  /** Clicks the button of `itemId` in the run message as `userId`. */
  async function click(messageTs: string, itemId: string, userId: string): Promise<void> {
    const button = await slack.waitFor(
      (state) => listButtons(state.message(CHANNEL, messageTs)?.blocks ?? []).find((candidate) => candidate.actionId.startsWith('item.') && candidate.value?.endsWith(`:${itemId}`)),
      10_000,
      `the button of ${itemId}`,
    );
    const response = await driver.clickButton({ userId, channelId: CHANNEL, messageTs, actionId: button.actionId, value: button.value });
    expect(response.status, `clicking ${itemId}`).toBe(200);
  }

  it('posts the log of an ended run as a Markdown file in its thread, and shows it on /deploy log and flightdeck log', { timeout: 240_000 }, async () => {
    const started = await driver.slashCommand({ command: '/deploy', text: 'api v1.4.2 to production', userId: 'U0ALICE', channelId: CHANNEL });
    const runId = runIdIn(replyText(started));
    const posted = await slack.waitFor((state) => state.messages(CHANNEL)[0], 10_000, 'the run message');
    await click(posted.ts, 'ci-green', 'U0ALICE');
    await click(posted.ts, 'lead', 'U0BOB');

    const file = await slack.waitFor((state) => state.files.find((candidate) => candidate.threadTs === posted.ts), 60_000, 'the deployment log file in the run thread');
    expect(file).toMatchObject({ channel: CHANNEL, name: `deployment-log-run-${runId}.md`, title: `Deployment log — run #${runId}: api v1.4.2 to production` });
    const log = file.content.toString('utf8').split('\n');
    expect(log[0]).toBe('# Deployment log: api v1.4.2 to production');
    expect(log).toContain('- **Deployed by**: Alice Example (U0ALICE)');
    expect(log).toContain('- **Outcome**: succeeded');
    expect(log.find((line) => line.startsWith('- [x] CI is green'))).toMatch(/^- \[x\] CI is green for this version — ticked by Alice Example \(U0ALICE\) at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(log.find((line) => line.startsWith('- [x] Technical lead approves'))).toMatch(/sign-off as `tech-lead`, 1 of 1: approved by Bob Example \(U0BOB\) at /);
    expect(log.find((line) => line.includes('step `set-image`'))).toMatch(/^- \[x\] .* — step `set-image` succeeded at .*: /);
    expect(log.find((line) => line.includes('step `wait-rollout`'))).toMatch(/^- \[x\] .* — step `wait-rollout` succeeded at /);
    expect(log.slice(log.indexOf('## Incidents') + 1, log.indexOf('## Rollback'))).toEqual(['- None', '']);
    expect(log[log.indexOf('## Rollback') + 1]).toBe('- No');
    expect(log.some((line) => /\| Bob Example \(U0BOB\) \| signoff\.approved \| lead: Technical lead approves \(1\/1\) \|$/.test(line))).toBe(true);
    // Shared by the summary, in the same thread, once: one reply for both.
    const shares = slack.thread(CHANNEL, posted.ts).filter((reply) => reply.files !== undefined);
    expect(shares).toHaveLength(1);
    expect(isSummary(shares[0]!)).toBe(true);
    expect(shares[0]!.files!.map((shared) => shared.id)).toEqual([file.id]);
    expect(slack.thread(CHANNEL, posted.ts).filter(isSummary)).toHaveLength(1);
    expect(slack.files.filter((candidate) => candidate.threadTs === posted.ts)).toHaveLength(1);

    // /deploy log: the same log, to the requester only, as a fenced block.
    const asked = await driver.slashCommand({ command: '/deploy', text: `log ${runId}`, userId: 'U0CAROL', channelId: CHANNEL });
    const reply = replyText(asked);
    expect((asked.json as { response_type?: string }).response_type).toBe('ephemeral');
    expect(reply.startsWith('```\n# Deployment log: api v1.4.2 to production\n')).toBe(true);
    expect(reply).toContain('- **Outcome**: succeeded');
    const unknown = await driver.slashCommand({ command: '/deploy', text: 'log 999', userId: 'U0CAROL', channelId: CHANNEL });
    expect(replyText(unknown)).toContain('There is no run #999.');

    // flightdeck log: the same log on stdout, from the built CLI on the same Redis.
    const cli = spawnSync(process.execPath, [CLI, 'log', runId], {
      env: { PATH: process.env.PATH ?? '', REDIS_PREFIX: flightdeck.redisPrefix, ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const printed = cli.stdout.split('\n');
    expect(printed[0]).toBe('# Deployment log: api v1.4.2 to production');
    expect(printed.find((line) => line.startsWith('- [x] Technical lead approves'))).toMatch(/approved by U0BOB at /);
    const missing = spawnSync(process.execPath, [CLI, 'log', '999'], { env: { PATH: process.env.PATH ?? '', REDIS_PREFIX: flightdeck.redisPrefix }, encoding: 'utf8', timeout: 60_000 });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('There is no run #999');
  });

  it("logs a release that never became ready: the failed step as an incident, and the rollback that undid it", { timeout: 120_000 }, async () => {
    k8s.neverReady('registry.example.com/acme/api:v9.9.9-broken');
    const started = await driver.slashCommand({ command: '/deploy', text: 'api v9.9.9-broken to production', userId: 'U0ALICE', channelId: CHANNEL });
    const runId = runIdIn(replyText(started));
    const posted = await slack.waitFor((state) => state.messages(CHANNEL).find((message) => message.text.includes('v9.9.9-broken')), 10_000, 'the run message');
    await click(posted.ts, 'ci-green', 'U0ALICE');
    await click(posted.ts, 'lead', 'U0BOB');

    const file = await slack.waitFor((state) => state.files.find((candidate) => candidate.threadTs === posted.ts), 90_000, 'the deployment log file of the failed run');
    const log = file.content.toString('utf8').split('\n');
    expect(log.find((line) => line.startsWith('- **Outcome**'))).toMatch(/^- \*\*Outcome\*\*: rolled-back — /);
    const incidents = log.slice(log.indexOf('## Incidents') + 1, log.indexOf('## Rollback')).filter((line) => line !== '');
    expect(incidents.some((line) => / — step failed: wait: .*progress deadline/.test(line))).toBe(true);
    const rollback = log.slice(log.indexOf('## Rollback') + 1).find((line) => line.startsWith('- Yes'));
    expect(rollback).toMatch(new RegExp(`^- Yes — rollback run #(?!${runId}\\b)\\d+: rolled back$`));
    expect(log.find((line) => line.includes('step `wait-rollout`'))).toMatch(/^- \[ \] .* — step `wait-rollout` failed at /);
  });
});
