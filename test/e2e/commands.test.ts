import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEPLOY_USAGE } from '../../commands/deploy/deploy-usage.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import type { KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import type { SlackDriver, SlackEmulator } from '../../sandbox/slack/index.js';
import type { FlightdeckProcess } from '../support/flightdeck-process.js';
import { replyText } from '../support/reply-text.js';
import { runIdIn } from '../support/run-id-in.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitUntil } from '../support/wait-until.js';

const SIGNING_SECRET = 'e2e-commands-secret';
const CHANNEL = 'C0DEPLOY';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const MALLORY = 'U0MALLORY';

/**
 * production: only `deployers` may deploy, runs wait for Start, people tick first; staging: anyone, and the
 * rollout comes first.
 */
const CATALOG = `
slack:
  defaultChannel: C0DEPLOY
roles:
  deployers:
    users: [U0ALICE, U0BOB]
environments:
  staging:
    cluster: emulator
    checklist: rollout-first
  production:
    cluster: emulator
    checklist: people-first
    deployers: [deployers]
    confirmStart: true
    confirmSignoffs: true
services:
  shop:
    namespace: cmds-prod
    deployment: shop
    container: shop
    image: registry.example.com/acme/shop
    environments: [staging, production]
    overrides:
      staging:
        namespace: cmds-staging
  web:
    namespace: cmds-web
    deployment: web
    container: web
    image: registry.example.com/acme/web
    environments: [staging]
`;

const PEOPLE_FIRST = `
name: people-first
phases:
  - id: ready
    title: Ready
    items:
      - id: approved
        kind: manual
        title: Change approved
  - id: rollout
    title: Rollout
    items:
      - id: set-image
        kind: step
        action: set-image
      - id: wait
        kind: step
        action: wait-rollout
        timeout: 30s
`;

const ROLLOUT_FIRST = `
name: rollout-first
phases:
  - id: rollout
    title: Rollout
    items:
      - id: set-image
        kind: step
        action: set-image
      - id: wait
        kind: step
        action: wait-rollout
        timeout: 30s
  - id: verify
    title: Verify
    items:
      - id: looks-good
        kind: manual
        title: Looks good
`;

describe.each(['http', 'socket'] as const)('/deploy subcommands and modal over %s', (mode) => {
  let world: E2eWorld;
  let slack: SlackEmulator;
  let k8s: KubernetesEmulator;
  let flightdeck: FlightdeckProcess;
  let driver: SlackDriver;
  let redis: Redis;
  let store: RunStore;

  const deploy = (text: string, userId = ALICE) => driver.slashCommand({ command: '/deploy', text, userId, channelId: CHANNEL });
  const runKeys = () => redis.keys(`{${flightdeck.redisPrefix}}:run:*`);

  async function openModal(userId: string) {
    const response = await deploy('', userId);
    expect(response.status).toBe(200);
    // The ack carries nothing to show: the modal itself is the answer.
    expect(replyText(response)).toBe('');
    return slack.waitFor((state) => state.openViews(userId).find((view) => view.callbackId === 'flightdeck.deploy'), 5000, 'the deploy modal');
  }

  function submit(userId: string, viewId: string, service: string, environment: string, version: string) {
    return driver.viewSubmission({ userId, viewId, values: { service: { value: service }, environment: { value: environment }, version: { value: version } } });
  }

  beforeAll(async () => {
    world = await startE2eWorld({
      mode,
      catalog: CATALOG,
      checklists: { 'people-first': PEOPLE_FIRST, 'rollout-first': ROLLOUT_FIRST },
      signingSecret: SIGNING_SECRET,
      kubernetes: { readyDelayMs: 100 },
      slack: { channels: [CHANNEL] },
      deployments: ['cmds-prod', 'cmds-staging'].map((namespace) => ({
        namespace,
        name: 'shop',
        container: 'shop',
        image: 'registry.example.com/acme/shop:v1.0.0',
        replicas: 2,
        progressDeadlineSeconds: 5,
      })),
    });
    ({ slack, k8s, flightdeck, driver, redis, store } = world);
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it('answers help with every form, and help <subcommand> with that form', async () => {
    const all = replyText(await deploy('help'));
    for (const line of Object.values(DEPLOY_USAGE)) expect(all).toContain(line);
    expect(replyText(await deploy('help cancel'))).toBe(`Usage: ${DEPLOY_USAGE.cancel}`);
  });

  it('answers a command that only reads at every delivery of it, where a repeated delivery is otherwise dropped', async () => {
    for (const text of ['help', 'status']) {
      const first = await deploy(text);
      // Slack delivers a command again when the first answer did not reach it: same trigger, marked as a retry.
      const again = await driver.slashCommand(
        { command: '/deploy', text, userId: ALICE, channelId: CHANNEL, redelivers: { triggerId: first.triggerId!, responseUrl: first.responseUrl! } },
        { retryNum: 1, retryReason: 'http_timeout' },
      );
      expect(again.status).toBe(200);
      expect(replyText(again)).not.toContain('reached flightdeck twice');
      // The status's first line names what it lists; later lines may carry ages that moved on meanwhile.
      expect(replyText(again).split('\n')[0]).toBe(replyText(first).split('\n')[0]);
      expect(replyText(again).length).toBeGreaterThan(0);
    }
  });

  it.each([
    ['status a b', 'status'],
    ['history', 'history'],
    ['lock shop production', 'lock'],
    ['unlock shop', 'unlock'],
    ['cancel abc', 'cancel'],
    ['help nothing', 'help'],
    ['shop', 'deploy'],
  ])('answers the malformed %j with the usage of %s', async (text, form) => {
    const reply = replyText(await deploy(text));
    expect(reply).toContain(`Usage: ${DEPLOY_USAGE[form as keyof typeof DEPLOY_USAGE]}`);
  });

  it.each([
    ['status nope', 'There is no service called `nope`', 'Known services: `shop`, `web`'],
    ['history nope', 'There is no service called `nope`', 'Known services: `shop`, `web`'],
    ['history shop qa', 'There is no environment called `qa`', 'Environments: `staging`, `production`'],
    ['lock web production freeze', '`web` is not deployed to `production`', '`web` can be deployed to `staging`'],
    ['unlock nope staging', 'There is no service called `nope`', 'Known services'],
    ['nope v1 to staging', 'There is no service called `nope`', 'Known services'],
  ])('refuses %j listing the valid names', async (text, problem, valid) => {
    const reply = replyText(await deploy(text));
    expect(reply).toContain(problem);
    expect(reply).toContain(valid);
  });

  it('refuses /deploy to production from someone without the role, naming it, recording no run but auditing the refusal', async () => {
    const before = await runKeys();
    const runIdKey = `{${flightdeck.redisPrefix}}:run-id`;
    const idBefore = await redis.get(runIdKey);
    const reply = replyText(await deploy('shop v9.9.9 to production', MALLORY));
    expect(reply).toContain('You may not deploy to production: that needs the role `deployers`.');
    expect(await runKeys()).toEqual(before);
    // Not even a run id is used up: the id is taken only once the gate let the request through.
    expect(await redis.get(runIdKey)).toBe(idBefore);
    const refused = (await store.audit(undefined, 50)).filter((entry) => entry.action === 'command.refused' && entry.actor === MALLORY);
    expect(refused.map((entry) => entry.detail)).toContainEqual(expect.stringContaining('/deploy shop v9.9.9 to production'));
  });

  it('opens the modal, shows inline errors for bad submissions, and starts a run from a valid one', async () => {
    const view = await openModal(ALICE);

    const badTag = await submit(ALICE, view.id, 'shop', 'production', 'v1:latest');
    expect(badTag.viewAck?.outcome).toBe('errors');
    expect(Object.keys(view.errors ?? {})).toEqual(['version']);
    expect(view.errors?.version).toContain('is not a valid image tag');

    const badPair = await submit(ALICE, view.id, 'web', 'production', 'v2.0.0');
    expect(badPair.viewAck?.outcome).toBe('errors');
    expect(view.errors).toEqual({ environment: expect.stringContaining('web is not deployed to production') });

    const mallorysView = await openModal(MALLORY);
    const forbidden = await submit(MALLORY, mallorysView.id, 'shop', 'production', 'v2.0.0');
    expect(forbidden.viewAck?.outcome).toBe('errors');
    expect(mallorysView.errors?.environment).toContain('needs the role deployers');
    expect(await runKeys()).toEqual([]);

    const ok = await submit(ALICE, view.id, 'shop', 'production', 'v2.0.0');
    expect(ok.viewAck?.outcome).toBe('updated');
    const shown = JSON.stringify(slack.view(view.id)?.blocks);
    expect(shown).toContain('deploying *shop* `v2.0.0` to *production*');
    const runId = runIdIn(shown);
    expect(shown).toContain('press *Start*');
    // confirmStart: the run is recorded but not started; its message offers the Start button.
    const run = await store.get(runId);
    expect(run).toMatchObject({ service: 'shop', environment: 'production', version: 'v2.0.0', requestedBy: ALICE, channel: CHANNEL, state: 'pending', confirm: { start: true, signoffs: true } });
    expect((await store.audit(runId)).map((entry) => entry.action)).toEqual(['run.requested']);

    const second = await openModal(BOB);
    const locked = await submit(BOB, second.id, 'shop', 'production', 'v2.0.1');
    expect(locked.viewAck?.outcome).toBe('errors');
    expect(second.errors?.environment).toContain(`already being deployed to production by run #${runId}`);
  });

  it('shows status overall and per service, with state, who and since', async () => {
    const overall = replyText(await deploy('status'));
    expect(overall).toMatch(/\*Active runs\*\n• #\d+ \*shop\* `v2.0.0` → production: pending, requested by <@U0ALICE>, since \d\d:\d\d UTC/);
    const perService = replyText(await deploy('status shop'));
    expect(perService).toContain('*shop*');
    expect(perService).toContain('• *staging*: idle, never deployed by flightdeck');
    expect(perService).toMatch(/• \*production\*: #\d+ \*shop\* `v2.0.0` → production: pending/);
  });

  it('locks and unlocks a target for the people allowed to deploy there, refusing deploys meanwhile', async () => {
    expect(replyText(await deploy('lock shop production freeze', MALLORY))).toContain('that needs the role `deployers`');

    const locked = await deploy('lock shop staging database migration in progress', BOB);
    expect(locked.json).toMatchObject({ response_type: 'in_channel' });
    expect(replyText(locked)).toContain(':lock: <@U0BOB> locked *shop* in staging: database migration in progress');

    expect(replyText(await deploy('shop v3.0.0 to staging'))).toMatch(/`shop` in staging is locked by <@U0BOB> since \d\d:\d\d UTC: database migration in progress/);
    expect(replyText(await deploy('lock shop staging again'))).toContain('is locked by <@U0BOB>');
    expect(replyText(await deploy('status'))).toMatch(/\*Locks\*\n• :lock: \*shop\* in staging: locked by <@U0BOB> since .* UTC: database migration in progress/);
    expect(replyText(await deploy('unlock shop production'))).toMatch(/held by run #\d+, not by a person's lock/);

    const unlocked = replyText(await deploy('unlock shop staging', ALICE));
    expect(unlocked).toContain(':unlock: <@U0ALICE> unlocked *shop* in staging (locked by <@U0BOB>');
    expect(replyText(await deploy('unlock shop staging'))).toContain('`shop` in staging is not locked.');
  });

  it('cancels a run that has not touched the cluster: it ends aborted; then refuses to cancel it again', async () => {
    const runId = (await store.activeRunFor('shop', 'production'))!.id;
    expect(replyText(await deploy(`cancel ${runId}`, MALLORY))).toContain('that needs the role `deployers`');
    expect((await store.get(runId))?.state).toBe('pending');

    const reply = replyText(await deploy(`cancel #${runId} wrong version`, BOB));
    expect(reply).toContain(`Cancelled run #${runId} (*shop* \`v2.0.0\` → production) before it changed the cluster; it ended *aborted*.`);
    const run = await store.get(runId);
    expect(run).toMatchObject({ state: 'aborted', reason: { kind: 'aborted', by: BOB, text: 'wrong version' } });
    expect(k8s.getDeployment('cmds-prod', 'shop').spec.template.spec.containers[0].image).toBe('registry.example.com/acme/shop:v1.0.0');

    expect(replyText(await deploy(`cancel ${runId}`, BOB))).toContain('aborted');
    expect(replyText(await deploy('cancel 99999', BOB))).toContain('There is no run #99999.');
  });

  it('cancels a run after it changed the cluster: it fails and a rollback to the recorded revision is requested', async () => {
    const runId = runIdIn(replyText(await deploy('shop v3.0.0 to staging', BOB)));
    const changed = await waitUntil('the staging rollout to finish and wait for people', async () => {
      const run = await store.get(runId);
      return run?.state === 'waiting' && run.rollbackTarget ? run : undefined;
    }, 20_000);
    expect(k8s.getDeployment('cmds-staging', 'shop').spec.template.spec.containers[0].image).toBe('registry.example.com/acme/shop:v3.0.0');

    const reply = replyText(await deploy(`cancel ${runId}`, ALICE));
    expect(reply).toContain(`Stopped run #${runId}`);
    expect(reply).toContain(`a rollback to revision ${changed.rollbackTarget!.revision} (\`registry.example.com/acme/shop:v1.0.0\`) was requested`);
    const after = await store.get(runId);
    expect(['failed', 'rolling-back', 'rolled-back', 'rollback-failed']).toContain(after?.state);
    expect((await store.audit(runId)).some((entry) => entry.action === 'run.failed' && entry.actor === ALICE)).toBe(true);
  });

  it('shows history newest first with version, who, outcome and duration', async () => {
    const all = replyText(await deploy('history shop')).split('\n');
    expect(all[0]).toMatch(/^\*shop\*: the last \d+ runs, newest first$/);
    // A rollback run started by the cancelled staging deploy may be listed too; it is newer than both.
    const staging = all.findIndex((line) => line.includes('`v3.0.0` → staging:'));
    const production = all.findIndex((line) => line.includes('`v2.0.0` → production:'));
    expect(staging).toBeGreaterThan(0);
    expect(production).toBeGreaterThan(staging);
    expect(all[staging]).toMatch(/^• #\d+ `v3.0.0` → staging: \*(failed|rolled-back|rollback-failed|rolling-back, not finished)\*, by <@U0BOB>, \d{4}-\d\d-\d\d \d\d:\d\d UTC, /);
    expect(all[production]).toMatch(/^• #\d+ `v2.0.0` → production: \*aborted\*, by <@U0ALICE>, .* UTC, took \d+s — aborted by <@U0BOB>: wrong version$/);
    const productionOnly = replyText(await deploy('history shop production'));
    expect(productionOnly).toContain('*shop* in production: the last run, newest first');
    expect(productionOnly).not.toContain('v3.0.0');
    expect(replyText(await deploy('history web'))).toBe('*web* has no runs yet.');
  });
});

// A cold start of the CLI took over 20 s on the 2-core machine under a full suite: the bound only stops a hung one.
describe('flightdeck manifest', { timeout: 90_000 }, () => {
  const CLI = resolve(import.meta.dirname, '../../dist/src/cli.js');
  const manifest = (args: string[]) => spawnSync(process.execPath, [CLI, 'manifest', ...args], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 60_000 });

  it('prints a manifest that parses, with every registered slash command and the request URL', () => {
    const result = manifest(['--url', 'https://deploy.example.com']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const parsed = parse(result.stdout) as { features: { slash_commands: { command: string; url: string; usage_hint?: string }[] }; settings: Record<string, unknown> };
    const commands = parsed.features.slash_commands.map((command) => command.command);
    expect(commands).toContain('/deploy');
    expect(commands.every((command) => ['/deploy', '/rollback'].includes(command))).toBe(true);
    expect(parsed.features.slash_commands.every((command) => command.url === 'https://deploy.example.com/slack/events')).toBe(true);
    expect(parsed.features.slash_commands.find((command) => command.command === '/deploy')?.usage_hint).toContain('status');
    expect(parsed.settings).toMatchObject({ socket_mode_enabled: false, interactivity: { is_enabled: true, request_url: 'https://deploy.example.com/slack/events' } });
  });

  it('prints a Socket Mode manifest as JSON', () => {
    const result = manifest(['--socket', '--json']);
    expect(result.status).toBe(0);
    const parsed = JSON.parse(result.stdout) as { settings: { socket_mode_enabled: boolean; interactivity: Record<string, unknown> } };
    expect(parsed.settings.socket_mode_enabled).toBe(true);
    expect(parsed.settings.interactivity).toEqual({ is_enabled: true });
  });

  it('refuses a plain http URL with usage', () => {
    const result = manifest(['--url', 'http://deploy.example.com']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('must be an https:// URL');
    expect(result.stderr).toContain('Usage: flightdeck manifest');
  });
});
