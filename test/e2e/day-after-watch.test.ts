import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupKeyFor } from '../../src/pagerduty/dedup-key-for.js';
import { runRef } from '../../src/run/core/run-ref.js';
import { RunStore } from '../../src/run/store/run-store.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { startPagerDutyEmulator, type PagerDutyEmulator } from '../../sandbox/pagerduty/index.js';
import { startPrometheusEmulator, type PrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { listButtons, SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { startFlightdeckProcess, type FlightdeckProcess } from '../support/flightdeck-process.js';
import { waitUntil } from '../support/wait-until.js';
import { pagerDutyEnv } from '../support/pagerduty-env.js';
import { shownText } from '../support/shown-text.js';

// The day-after watch end to end: guards with `watchFor` keep watching a succeeded run against the
// Prometheus emulator; a breach pages PagerDuty and DMs the on-call a Rollback button, which rolls back.

const SIGNING_SECRET = 'watch-e2e-secret';
const CHANNEL = 'C0WATCH';
const NAMESPACE = 'watched';
const POLICY = 'PWATCH1';

/** One service (and environment, and checklist) per scenario. */
const SERVICES = ['web', 'calm', 'old', 'later', 'auto'] as const;
type Service = (typeof SERVICES)[number];
const query = (service: Service) => `job:error_ratio{service="${service}"}`;
/** Each environment posts in a channel of its own: one channel's paced line of replies would serialize every scenario. */
const channelOf = (service: Service) => `C0W${service.toUpperCase()}`;

function checklist(service: Service, prometheusUrl: string): string {
  const watchFor = service === 'calm' ? '3s' : '10m';
  const followUp =
    service === 'later'
      ? `
  - id: day-after
    title: Day after
    after: 1s
    onFailure: page
    items:
      - id: errors-low
        kind: check
        title: Error rate is low
        retries: 0
        probe: { type: prometheus, url: ${prometheusUrl}, query: '${query(service)}', above: 0.05 }`
      : '';
  const guards =
    service === 'later'
      ? ''
      : `
guards:
  - id: error-rate
    title: Error rate
    probe: { type: prometheus, url: ${prometheusUrl}, query: '${query(service)}', above: 0.05 }
    for: 3s
    interval: 1s
    action: ${service === 'old' ? 'notify' : 'rollback'}
    watchFor: ${watchFor}
    afterSuccess: { above: 0.02, for: 2s, interval: 1s${service === 'auto' ? ', action: rollback' : ''} }`;
  return `
name: watched-${service}
phases:
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 30s }
  - id: verify
    title: Verification
    items:
      - { id: dashboards, kind: manual, title: Dashboards look healthy }${followUp}${guards}
`;
}

function catalog(): string {
  return [
    'slack:',
    `  defaultChannel: ${CHANNEL}`,
    'environments:',
    ...SERVICES.flatMap((s) => [`  prod-${s}:`, '    cluster: emulator', `    checklist: watched-${s}`, `    channel: ${channelOf(s)}`]),
    'services:',
    ...SERVICES.flatMap((s) => [
      `  ${s}:`,
      `    namespace: ${NAMESPACE}`,
      `    deployment: ${s}`,
      `    container: ${s}`,
      `    image: registry.example.com/acme/${s}`,
      `    environments: [prod-${s}]`,
      '    pagerduty:',
      '      routingKeyEnv: PD_ROUTING_KEY',
      `      escalationPolicy: ${POLICY}`,
    ]),
    '',
  ].join('\n');
}

describe('the day-after watch: guards keep watching a succeeded run', () => {
  let slack: SlackEmulator;
  let k8s: KubernetesEmulator;
  let prometheus: PrometheusEmulator;
  let pagerduty: PagerDutyEmulator;
  let flightdeck: FlightdeckProcess;
  let driver: SlackDriver;
  let redis: Redis;
  let store: RunStore;
  let start: (redisPrefix?: string) => Promise<void>;

  beforeAll(async () => {
    slack = await startSlackEmulator({ channels: [CHANNEL, ...SERVICES.map(channelOf)] });
    k8s = await startKubernetesEmulator({ readyDelayMs: 100 });
    prometheus = await startPrometheusEmulator();
    pagerduty = await startPagerDutyEmulator();
    const bob = pagerduty.addUser({ name: 'Bob Example', email: 'bob@example.com' });
    pagerduty.setOnCall(POLICY, [bob.id]);
    for (const service of SERVICES) {
      k8s.seedDeployment({ namespace: NAMESPACE, name: service, container: service, image: `registry.example.com/acme/${service}:v1`, replicas: 2 });
    }
    const dir = mkdtempSync(join(tmpdir(), 'flightdeck-watch-'));
    const kubeconfig = join(dir, 'kubeconfig');
    k8s.writeKubeconfig(kubeconfig, 'emulator');
    const checklists = Object.fromEntries(SERVICES.map((s) => [`watched-${s}`, checklist(s, prometheus.url)]));
    start = async (redisPrefix?: string) => {
      flightdeck = await startFlightdeckProcess({
        slackApiUrl: slack.apiUrl,
        botToken: slack.token,
        signingSecret: SIGNING_SECRET,
        kubeconfigPath: kubeconfig,
        catalog: catalog(),
        checklists,
        env: {
          ...pagerDutyEnv(pagerduty),
          ...(redisPrefix ? { REDIS_PREFIX: redisPrefix } : {}),
        },
      });
      driver = new SlackDriver({ appUrl: flightdeck.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });
    };
    await start();
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    store = new RunStore(redis, flightdeck.redisPrefix);
  }, 60_000);

  afterAll(async () => {
    await flightdeck?.stop();
    const keys = await redis?.keys(`{${flightdeck?.redisPrefix}}*`);
    if (keys && keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    await Promise.all([slack?.close(), k8s?.close(), prometheus?.close(), pagerduty?.close()]);
  });

  async function newestRun(service: Service, states: readonly string[]): Promise<Run> {
    return waitUntil(`${service}'s newest run to reach ${states.join(' or ')}`, async () => {
      const [run] = await store.history(service, `prod-${service}`, 1);
      return run && states.includes(run.state) && run.messageTs ? run : undefined;
    }, 30_000);
  }

  async function runState(run: Run, states: readonly string[]): Promise<Run> {
    return waitUntil(`run #${run.id} to reach ${states.join(' or ')}`, async () => {
      const current = await store.get(run.id);
      return current && states.includes(current.state) ? current : undefined;
    }, 30_000);
  }

  /** Deploys `version`, waits for the rollout, ticks the manual item and waits for the run to succeed. */
  async function deployToSuccess(service: Service, version: string): Promise<Run> {
    const response = await driver.slashCommand({ command: '/deploy', text: `${service} ${version}`, userId: 'U0ALICE', channelId: CHANNEL });
    expect(response.status).toBe(200);
    const waiting = await newestRun(service, ['waiting']);
    expect(waiting.channel).toBe(channelOf(service));
    // The message trails the run: wait for the render that offers the manual item's tick button.
    const tick = await waitUntil('the tick button of the manual item', () => {
      const message = slack.message(waiting.channel, waiting.messageTs!);
      return message ? listButtons(message.blocks).find((button) => button.actionId.startsWith('item.')) : undefined;
    });
    const clicked = await driver.clickButton({ userId: 'U0BOB', channelId: waiting.channel, messageTs: waiting.messageTs!, actionId: tick.actionId, value: tick.value });
    expect(clicked.status).toBe(200);
    return runState(waiting, ['succeeded']);
  }

  function messageText(run: Run): string {
    return JSON.stringify(slack.message(run.channel, run.messageTs!)?.blocks ?? []);
  }

  function threadTexts(run: Run): string[] {
    return slack.thread(run.channel, run.messageTs!).map(shownText);
  }

  function alertIn(run: Run): { ts: string; text: string } | undefined {
    return slack.messages(run.channel).find((m) => m.text.includes('Guard *Error rate*') && m.text.includes(`run #${run.id})`));
  }

  function rolledBackTo(service: Service, image: string): boolean {
    return k8s.requests.some((r) => r.method === 'PATCH' && r.path.endsWith(`/deployments/${service}`) && JSON.stringify(r.body).includes(image));
  }

  it('a breach after success pages PagerDuty and DMs a Rollback button, which rolls the release back; the watch outlives a killed process', async () => {
    prometheus.setQueryResult(query('web'), 0.01);
    const run = await deployToSuccess('web', 'v2');
    expect(run.watch).toMatchObject({ until: run.endedAt! + 10 * 60_000 });
    await waitUntil('the message to say until when the guards watch', () => (messageText(run).includes('Guards watching until') ? true : undefined));
    await waitUntil('the watch in the thread', () => threadTexts(run).find((t) => t.includes('Watching *Error rate* until')));

    // The watch's schedule is in Redis: a process killed mid-watch and a new one started still evaluate it.
    const prefix = flightdeck.redisPrefix;
    await flightdeck.stop('SIGKILL');
    await start(prefix);

    // 0.03 is healthy for the rollout (above 0.05) but breaches the watch's stricter threshold (above 0.02).
    prometheus.setQueryResult(query('web'), 0.03);
    const alert = await waitUntil('the alert in the channel', () => {
      const found = alertIn(run);
      return found?.text.includes('On-call <@U0BOB> paged') ? found : undefined;
    });
    expect(alert.text).toContain('breached after the run succeeded');
    expect(alert.text).toContain('stays live until someone rolls it back');
    await waitUntil('the alert in the run thread', () => threadTexts(run).find((t) => t.includes('Guard *Error rate*') && t.includes('after the run succeeded')));
    const incident = await waitUntil('the PagerDuty trigger', () => pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate')));
    expect(incident.severity).toBe('error');
    const breached = await store.get(run.id);
    expect(breached).toMatchObject({ state: 'succeeded', breaches: [{ guardId: 'error-rate', action: 'page' }] });
    expect(rolledBackTo('web', ':v1')).toBe(false);

    const dm = await waitUntil("the on-call's DM", () => {
      const channel = slack.dmChannel('U0BOB');
      return channel ? slack.messages(channel).find((m) => m.text.includes(`run #${run.id})`)) : undefined;
    });
    const click = await driver.clickButton({ userId: 'U0BOB', channelId: dm.channel, messageTs: dm.ts, actionId: 'incident.rollback' });
    expect(click.status).toBe(200);
    const rolling = await runState(run, ['rolling-back', 'rolled-back']);
    expect(rolling.watch?.end).toEqual({ kind: 'rolled-back' });
    expect(rolling.rollbackRunId).toBeDefined();
    const rollback = await store.get(rolling.rollbackRunId!);
    expect(rollback?.reason).toEqual({ kind: 'rollback-requested', by: 'U0BOB' });
    await waitUntil('the rollback patch to reach the API server', () => rolledBackTo('web', ':v1') || undefined);
    await runState(run, ['rolled-back']);
    const audit = await store.audit(run.id, 200);
    expect(audit.map((entry) => entry.action)).toEqual(expect.arrayContaining(['watch.started', 'guard.breached', 'rollback.started', 'watch.ended']));
    expect(pagerduty.incidents.filter((i) => i.dedupKey === dedupKeyFor(runRef(run), 'error-rate'))).toHaveLength(1);
  }, 120_000);

  it('a healthy watch ends quietly when its window passes', async () => {
    prometheus.setQueryResult(query('calm'), 0.01);
    const run = await deployToSuccess('calm', 'v2');
    const ended = await waitUntil('the watch to expire', async () => {
      const current = await store.get(run.id);
      return current?.watch?.end ? current : undefined;
    }, 30_000);
    expect(ended.watch?.end).toEqual({ kind: 'expired' });
    expect(ended.state).toBe('succeeded');
    expect(ended.breaches).toEqual([]);
    await waitUntil('the message to show the outcome', () => (messageText(run).includes('Watch ended: the guards stayed healthy for the whole window') ? true : undefined));
    await waitUntil('the end in the thread', () => threadTexts(run).find((t) => t.includes('Watch ended: the guards stayed healthy')));
    expect(alertIn(run)).toBeUndefined();
    expect(pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate'))).toBeUndefined();
  }, 60_000);

  it('a newer run of the same service and environment ends the older watch, which then never acts on the newer release', async () => {
    prometheus.setQueryResult(query('old'), 0.01);
    const older = await deployToSuccess('old', 'v2');
    expect(older.watch?.end).toBeUndefined();
    const response = await driver.slashCommand({ command: '/deploy', text: 'old v3', userId: 'U0ALICE', channelId: CHANNEL });
    expect(response.status).toBe(200);
    const newer = await newestRun('old', ['waiting']);
    expect(newer.id).not.toBe(older.id);
    const ended = await waitUntil('the older watch to end', async () => {
      const current = await store.get(older.id);
      return current?.watch?.end ? current : undefined;
    });
    expect(ended.watch?.end).toEqual({ kind: 'superseded', runId: newer.id });
    await waitUntil('the older message to name the newer run', () => (messageText(older).includes(`run #${newer.id} of the same service and environment began`) ? true : undefined));

    // The newer run's own guard (notify) sees the breach; the older watch, ended, neither alerts nor pages.
    prometheus.setQueryResult(query('old'), 0.5);
    await waitUntil("the newer run's alert", () => alertIn(newer));
    expect(alertIn(older)).toBeUndefined();
    expect(pagerduty.incident(dedupKeyFor(runRef(older), 'error-rate'))).toBeUndefined();
    expect((await store.get(older.id))?.breaches).toEqual([]);
    // Healthy again, so the newer run (left waiting) stops changing and re-rendering its message.
    prometheus.setQueryResult(query('old'), 0.01);
  }, 60_000);

  it('only a watch whose afterSuccess says action: rollback rolls back by itself', async () => {
    prometheus.setQueryResult(query('auto'), 0.01);
    const run = await deployToSuccess('auto', 'v2');
    prometheus.setQueryResult(query('auto'), 0.03);
    const rolling = await runState(run, ['rolling-back', 'rolled-back']);
    expect(rolling.watch?.end).toEqual({ kind: 'breached', guardId: 'error-rate' });
    expect(rolling.breaches).toMatchObject([{ guardId: 'error-rate', action: 'rollback' }]);
    const rollback = await store.get(rolling.rollbackRunId!);
    expect(rollback?.reason).toMatchObject({ kind: 'undoes', runId: run.id, cause: expect.stringContaining('breached after the run succeeded') });
    await waitUntil('the rollback patch to reach the API server', () => rolledBackTo('auto', ':v1') || undefined);
    const alert = await waitUntil('the alert in the channel', () => alertIn(run));
    expect(alert.text).toContain('Rolling back now');
    await waitUntil('the PagerDuty trigger', () => pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate')));
  }, 60_000);

  it('a follow-up check that fails pages PagerDuty when its phase says onFailure: page', async () => {
    prometheus.setQueryResult(query('later'), 0.01);
    const run = await deployToSuccess('later', 'v2');
    prometheus.setQueryResult(query('later'), 0.5);
    const failed = await waitUntil('the follow-up to fail', async () => {
      const current = await store.get(run.id);
      return current?.phases.find((phase) => phase.id === 'day-after')?.state === 'failed' ? current : undefined;
    }, 30_000);
    expect(failed.state).toBe('succeeded');
    const incident = await waitUntil('the PagerDuty trigger of the follow-up', () => pagerduty.incident(dedupKeyFor(runRef(run), 'follow-up-day-after')));
    expect(incident.summary).toContain('follow-up failed');
    expect(incident.summary).toContain('Error rate is low');
    await waitUntil('the failure in the thread', () => threadTexts(run).find((t) => t.includes('Follow-up *Day after*')));
  }, 60_000);
});
