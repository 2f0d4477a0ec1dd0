import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { loadEnv } from '../../src/config/load-env.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { dedupKeyFor } from '../../src/pagerduty/dedup-key-for.js';
import { runRef } from '../../src/run/core/run-ref.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { startFlightdeck, type Flightdeck } from '../../src/start-flightdeck.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { startPagerDutyEmulator, type PagerDutyEmulator } from '../../sandbox/pagerduty/index.js';
import { startPrometheusEmulator, type PrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { SlackDriver, startSlackEmulator, type DriverResponse, type SlackEmulator } from '../../sandbox/slack/index.js';
import { freePort } from '../support/free-port.js';
import { pagerDutyEnv } from '../support/pagerduty-env.js';
import { shownText } from '../support/shown-text.js';
import { waitUntil } from '../support/wait-until.js';

/*
 * The on-call DM's buttons answer through the click's response URL after the action has taken effect (282d10e).
 * When Slack refuses that answer (expired, used up, down), the action stands, the refusal is logged as such with
 * the click's context, and no second answer tells the on-call that the action failed. The run message's Rollback
 * button logs a refused refusal the same way, instead of leaving it to Bolt's error handler.
 */

const CHANNEL = 'C0DEPLOY';
const SIGNING_SECRET = 'incident-answer-secret';
const QUERY = 'job:error_ratio{service="web"}';
const POLICY = 'PWEB001';

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
roles:
  sre:
    users: [U0BOB]
environments:
  production:
    cluster: emulator
    checklist: paged
    rollbackers: [sre]
services:
  web:
    namespace: shop
    deployment: web
    container: web
    image: registry.example.com/acme/web
    environments: [production]
    pagerduty:
      routingKeyEnv: PD_ROUTING_KEY
      escalationPolicy: ${POLICY}
`;

const checklist = (prometheusUrl: string) => `
name: paged
phases:
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 30s }
  - id: verify
    title: Verification
    items:
      - { id: dashboards, kind: manual, title: Dashboards look healthy }
guards:
  - id: error-rate
    title: Error rate
    probe: { type: prometheus, url: ${prometheusUrl}, query: '${QUERY}', above: 0.05 }
    for: 2s
    interval: 1s
    action: page
`;

type LogLine = Record<string, unknown> & { msg: string };

let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let prometheus: PrometheusEmulator;
let pagerduty: PagerDutyEmulator;
let redis: Redis;
let flightdeck: Flightdeck;
let store: RunStore;
let driver: SlackDriver;
let prefix: string;
let logText = '';

const logLines = (): LogLine[] => logText.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogLine);
/** What the listener logged about clicks of `actionId` by `user`, in order. */
const clickLog = (actionId: string, user: string) => logLines().filter((line) => line.action === actionId && line.user === user);
/** The refused answer taken for the action failing: logged as its refusal or failure (before 282d10e). */
const tookAnswerForAction = (line: LogLine) => line.msg === 'incident action refused' || line.msg === 'incident action failed';
/** Every POST to one click's response URL, as the emulator answered it. */
const answersTo = (click: DriverResponse) => slack.responses.filter((r) => r.url === click.responseUrl);

beforeAll(async () => {
  [slack, k8s, prometheus, pagerduty] = await Promise.all([startSlackEmulator({ channels: [CHANNEL] }), startKubernetesEmulator({ readyDelayMs: 50 }), startPrometheusEmulator(), startPagerDutyEmulator()]);
  slack.addUser({ id: 'U0MALLORY', name: 'mallory' });
  pagerduty.setOnCall(POLICY, [pagerduty.addUser({ name: 'Bob Example', email: 'bob@example.com' }).id]);
  k8s.seedDeployment({ namespace: 'shop', name: 'web', container: 'web', image: 'registry.example.com/acme/web:v1', replicas: 2 });
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-incident-answer-'));
  mkdirSync(join(dir, 'checklists'));
  writeFileSync(join(dir, 'flightdeck.yaml'), CATALOG);
  writeFileSync(join(dir, 'checklists', 'paged.yaml'), checklist(prometheus.url));
  k8s.writeKubeconfig(join(dir, 'kubeconfig'), 'emulator');
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });

  const port = await freePort();
  prefix = `incident-answer-${randomBytes(4).toString('hex')}`;
  const env = loadEnv({
    ...pagerDutyEnv(pagerduty),
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    REDIS_PREFIX: prefix,
    FLIGHTDECK_CONFIG: join(dir, 'flightdeck.yaml'),
    KUBECONFIG: join(dir, 'kubeconfig'),
    PORT: String(port),
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logText += chunk.toString();
      done();
    },
  });
  flightdeck = await startFlightdeck(await loadConfig(env), createLogger('info', sink, { secrets: [slack.token, SIGNING_SECRET] }), Date.now, { host: '127.0.0.1' });
  store = new RunStore(redis, prefix);
  driver = new SlackDriver({ appUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET, emulator: slack });
}, 30_000);

afterAll(async () => {
  await flightdeck?.stop();
  const keys = await redis?.keys(`{${prefix}}*`);
  if (keys && keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  await Promise.all([slack?.close(), k8s?.close(), prometheus?.close(), pagerduty?.close()]);
});

// In order, whatever the suite's shuffle: each click acts on the run the one before left (paged, acknowledged, ended).
describe('a button whose answer Slack refuses', { shuffle: false }, () => {
  let run: Run;
  let dm: { channel: string; ts: string; text: string };

  it('pages the on-call with a DM (setup)', async () => {
    prometheus.setQueryResult(QUERY, 0.01);
    expect((await driver.slashCommand({ command: '/deploy', text: 'web v2 to production', userId: 'U0ALICE', channelId: CHANNEL })).status).toBe(200);
    const waiting = await waitUntil('the run to wait with its guards on', async () => {
      const [latest] = await store.history('web', 'production', 1);
      return latest?.state === 'waiting' && latest.guardsStartedAt !== undefined ? latest : undefined;
    }, 30_000);
    prometheus.setQueryResult(QUERY, 0.2);
    run = await waitUntil('the run paused by its page guard', async () => {
      const current = await store.get(waiting.id);
      return current?.state === 'paused' ? current : undefined;
    });
    dm = await waitUntil("the on-call's DM", () => {
      const channel = slack.dmChannel('U0BOB');
      return channel ? slack.messages(channel).find((m) => m.text.includes(`run #${run.id})`)) : undefined;
    });
    await waitUntil('the PagerDuty trigger', () => pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate')));
  }, 45_000);

  it('Acknowledge whose answer has expired still acknowledges, logs the refused answer and sends no failure', async () => {
    slack.failNextResponse(1, { error: 'expired_url' });
    const click = await driver.clickButton({ userId: 'U0BOB', channelId: dm.channel, messageTs: dm.ts, actionId: 'incident.ack' });
    expect(click.status).toBe(200);

    await waitUntil('PagerDuty acknowledged', () => (pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate'))?.status === 'acknowledged' ? true : undefined));
    await waitUntil('the acknowledge note in the thread', () => slack.thread(CHANNEL, run.messageTs!).map(shownText).find((t) => t.includes('<@U0BOB> acknowledged')));
    const logged = await waitUntil('the click handled', () => (clickLog('incident.ack', 'U0BOB').length >= 2 ? clickLog('incident.ack', 'U0BOB') : undefined));
    expect(logged.map((line) => line.msg)).toEqual(['page acknowledged', 'could not answer the click']);
    expect(JSON.stringify(logged[1]!.err)).toContain('expired_url');
    expect(logLines().filter(tookAnswerForAction)).toEqual([]);
    // One answer, the refused one: nothing came after it saying the acknowledgement failed.
    expect(answersTo(click).map((r) => r.status)).toEqual([404]);
    expect(slack.ephemerals.filter((e) => e.user === 'U0BOB')).toEqual([]);
    expect(await store.get(run.id)).toMatchObject({ state: 'paused' });
  });

  it("the run message's Rollback, refused by the gate, logs that its refusal could not be sent, with the click's context", async () => {
    slack.failNextResponse(1, { error: 'used_url' });
    const click = await driver.clickButton({ userId: 'U0MALLORY', channelId: CHANNEL, messageTs: run.messageTs!, actionId: 'run.rollback' });
    expect(click.status).toBe(200);

    const logged = await waitUntil('the refusal that could not be sent', () => {
      const lines = clickLog('run.rollback', 'U0MALLORY');
      return lines.some((line) => line.msg === 'could not answer the click') ? lines : undefined;
    }, 5_000);
    expect(logged.map((line) => line.msg)).toEqual(['rollback refused', 'could not answer the click']);
    expect(logged[1]).toMatchObject({ level: 40, run: run.id });
    expect(JSON.stringify(logged[1]!.err)).toContain('used_url');
    expect(answersTo(click).map((r) => r.status)).toEqual([404]);
    expect((await store.audit(run.id)).filter((entry) => entry.actor === 'U0MALLORY').map((entry) => entry.action)).toEqual(['action.refused']);
  });

  it('Rollback whose answer meets Slack down still rolls back, logs the refused answer and sends no failure', async () => {
    slack.failNextResponse(1, { status: 503 });
    const click = await driver.clickButton({ userId: 'U0BOB', channelId: dm.channel, messageTs: dm.ts, actionId: 'incident.rollback' });
    expect(click.status).toBe(200);

    const ended = await waitUntil('the run to end for its rollback', async () => {
      const current = await store.get(run.id);
      return current && ['failed', 'rolling-back', 'rolled-back'].includes(current.state) ? current : undefined;
    });
    expect(ended.reason).toMatchObject({ kind: 'aborted', by: 'U0BOB' });
    expect((await store.audit(run.id)).filter((entry) => entry.actor === 'U0BOB').map((entry) => entry.detail)).toEqual([
      'aborted by U0BOB: rollback from the on-call page for guard error-rate',
    ]);
    await waitUntil('the rollback patch to reach the API server', () =>
      k8s.requests.some((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/web') && JSON.stringify(r.body).includes(':v1')) || undefined,
    );
    const logged = await waitUntil('the click handled', () => (clickLog('incident.rollback', 'U0BOB').length >= 2 ? clickLog('incident.rollback', 'U0BOB') : undefined));
    expect(logged.map((line) => line.msg)).toEqual(['rollback requested from the page', 'could not answer the click']);
    expect(JSON.stringify(logged[1]!.err)).toContain('HTTP 503');
    expect(logLines().filter(tookAnswerForAction)).toEqual([]);
    expect(answersTo(click).map((r) => r.status)).toEqual([503]);
    // The refused answer replaced nothing: the DM keeps its buttons, and no failure reached the on-call.
    expect(slack.message(dm.channel, dm.ts)).toMatchObject({ text: dm.text, edits: 0 });
    expect(slack.ephemerals.filter((e) => e.user === 'U0BOB')).toEqual([]);
  }, 30_000);
});
