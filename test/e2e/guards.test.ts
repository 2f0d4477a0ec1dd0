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
import { SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { startFlightdeckProcess, type FlightdeckProcess } from '../support/flightdeck-process.js';
import { prometheusUnavailableReason, startPrometheusServer, type PrometheusServer } from '../support/prometheus-server.js';
import { requireTool, skipWithout } from '../support/skip-without.js';
import { waitUntil } from '../support/wait-until.js';
import { pagerDutyEnv } from '../support/pagerduty-env.js';
import { shownText } from '../support/shown-text.js';

const SIGNING_SECRET = 'guards-e2e-secret';
const CHANNEL = 'C0GUARDS';
const NAMESPACE = 'guarded';
const REAL_PROMETHEUS = prometheusUnavailableReason();
const REAL_QUERY = 'sum(rate(http_requests_total{code="500"}[5s])) / sum(rate(http_requests_total[5s]))';

/** One environment (and checklist) per scenario, so each has its own guard; one Deployment per service. */
const SCENARIOS = {
  web: { action: 'rollback', query: 'job:error_ratio{service="web"}', policy: 'PWEB001' },
  pay: { action: 'page', query: 'job:error_ratio{service="pay"}', policy: 'PPAY001' },
  cart: { action: 'rollback', query: 'job:error_ratio{service="cart"}', policy: 'PCART01' },
  feed: { action: 'rollback', query: 'job:error_ratio{service="feed"}', policy: 'PFEED01' },
  real: { action: 'rollback', query: REAL_QUERY, policy: 'PREAL01' },
} as const;
type Service = keyof typeof SCENARIOS;

function checklist(service: Service, prometheusUrl: string): string {
  const { action, query } = SCENARIOS[service];
  return `
name: guarded-${service}
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
    probe:
      type: prometheus
      url: ${prometheusUrl}
      query: '${query}'
      above: 0.05
    for: 3s
    interval: 1s
    action: ${action}
`;
}

function catalog(): string {
  const services = Object.keys(SCENARIOS) as Service[];
  return [
    'slack:',
    `  defaultChannel: ${CHANNEL}`,
    'environments:',
    ...services.flatMap((s) => [`  prod-${s}:`, '    cluster: emulator', `    checklist: guarded-${s}`]),
    'services:',
    ...services.flatMap((s) => [
      `  ${s}:`,
      `    namespace: ${NAMESPACE}`,
      `    deployment: ${s}`,
      `    container: ${s}`,
      `    image: registry.example.com/acme/${s}`,
      `    environments: [prod-${s}]`,
      '    pagerduty:',
      '      routingKeyEnv: PD_ROUTING_KEY',
      `      escalationPolicy: ${SCENARIOS[s].policy}`,
    ]),
    '',
  ].join('\n');
}

describe('guards end to end: breach → alert → PagerDuty → rollback', () => {
  let slack: SlackEmulator;
  let k8s: KubernetesEmulator;
  let prometheus: PrometheusEmulator;
  let realPrometheus: PrometheusServer | undefined;
  let pagerduty: PagerDutyEmulator;
  let flightdeck: FlightdeckProcess;
  let driver: SlackDriver;
  let redis: Redis;
  let store: RunStore;

  beforeAll(async () => {
    slack = await startSlackEmulator({ channels: [CHANNEL] });
    k8s = await startKubernetesEmulator({ readyDelayMs: 100 });
    prometheus = await startPrometheusEmulator();
    pagerduty = await startPagerDutyEmulator();
    if (!REAL_PROMETHEUS) realPrometheus = await startPrometheusServer();
    const bob = pagerduty.addUser({ name: 'Bob Example', email: 'bob@example.com' });
    for (const { policy } of Object.values(SCENARIOS)) pagerduty.setOnCall(policy, [bob.id]);
    for (const service of Object.keys(SCENARIOS)) {
      k8s.seedDeployment({ namespace: NAMESPACE, name: service, container: service, image: `registry.example.com/acme/${service}:v1`, replicas: 2 });
    }
    const dir = mkdtempSync(join(tmpdir(), 'flightdeck-guards-'));
    const kubeconfig = join(dir, 'kubeconfig');
    k8s.writeKubeconfig(kubeconfig, 'emulator');
    const checklists = Object.fromEntries(
      (Object.keys(SCENARIOS) as Service[]).map((s) => [`guarded-${s}`, checklist(s, s === 'real' ? (realPrometheus?.url ?? prometheus.url) : prometheus.url)]),
    );
    flightdeck = await startFlightdeckProcess({
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: kubeconfig,
      catalog: catalog(),
      checklists,
      env: pagerDutyEnv(pagerduty),
    });
    driver = new SlackDriver({ appUrl: flightdeck.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    store = new RunStore(redis, flightdeck.redisPrefix);
  }, 60_000);

  afterAll(async () => {
    await flightdeck?.stop();
    const keys = await redis?.keys(`{${flightdeck?.redisPrefix}}*`);
    if (keys && keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    await Promise.all([slack?.close(), k8s?.close(), prometheus?.close(), pagerduty?.close(), realPrometheus?.stop()]);
  });

  async function deployAndWait(service: Service): Promise<Run> {
    const response = await driver.slashCommand({ command: '/deploy', text: `${service} v2`, userId: 'U0ALICE', channelId: CHANNEL });
    expect(response.status).toBe(200);
    return waitUntil(`${service}'s run to wait for people after its rollout`, async () => {
      const [run] = await store.history(service, `prod-${service}`, 1);
      return run && run.state === 'waiting' && run.guardsStartedAt !== undefined ? run : undefined;
    }, 30_000);
  }

  async function runState(run: Run, states: readonly string[]): Promise<Run> {
    return waitUntil(`run #${run.id} to reach ${states.join(' or ')}`, async () => {
      const current = await store.get(run.id);
      return current && states.includes(current.state) ? current : undefined;
    }, 30_000);
  }

  function alertIn(run: Run): { ts: string; text: string } | undefined {
    return slack.messages(CHANNEL).find((m) => m.text.includes('Guard *Error rate*') && m.text.includes(`run #${run.id})`));
  }

  function threadTexts(run: Run): string[] {
    return run.messageTs ? slack.thread(CHANNEL, run.messageTs).map(shownText) : [];
  }

  function rollbackPatched(service: Service): boolean {
    return k8s.requests.some((r) => r.method === 'PATCH' && r.path.endsWith(`/deployments/${service}`) && JSON.stringify(r.body).includes(':v1'));
  }

  it('a rollback guard whose error rate stays above 5% for the window alerts, pages, rolls back and resolves, with timings in the thread', async () => {
    prometheus.setQueryResult(SCENARIOS.web.query, 0.01);
    const run = await deployAndWait('web');
    prometheus.setQueryResult(SCENARIOS.web.query, 0.08);

    const alert = await waitUntil('the alert in the channel', () => alertIn(run));
    expect(alert.text).toContain('breached');
    expect(alert.text).toContain('0.08');
    expect(alert.text).toContain('Rolling back now');
    expect(alert.text).toMatch(/since \d\d:\d\d:\d\d UTC/);
    const failed = await runState(run, ['failed', 'rolling-back', 'rolled-back']);
    expect(failed.breaches).toMatchObject([{ guardId: 'error-rate', action: 'rollback' }]);
    await waitUntil('the alert in the run thread', () => threadTexts(failed).find((t) => t.includes('Guard *Error rate*')));
    const incident = await waitUntil('the PagerDuty trigger', () => pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate')));
    expect(incident.severity).toBe('critical');

    await waitUntil('the rollback patch to reach the API server', () => rollbackPatched('web') || undefined);
    prometheus.setQueryResult(SCENARIOS.web.query, 0.01);
    await runState(run, ['rolled-back']);
    await waitUntil('the PagerDuty resolve', () => (pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate'))?.status === 'resolved' ? true : undefined));
    const timeline = await waitUntil('the timeline in the thread', async () => threadTexts((await store.get(run.id))!).find((t) => t.includes('Guards healthy after the rollback')));
    expect(timeline).toMatch(/breached \d\d:\d\d:\d\d UTC → PagerDuty triggered \+[\d.]+ s → rolled back \+[\d.]+ s → healthy again, PagerDuty resolved \+[\d.]+ s/);
    expect(pagerduty.incidents.filter((i) => i.dedupKey === dedupKeyFor(runRef(run), 'error-rate'))).toHaveLength(1);
    expect(pagerduty.events.some((e) => e.kind === 'change')).toBe(true);
  });

  it("a page guard DMs the on-call; Acknowledge reaches PagerDuty and the DM's Rollback button rolls back", async () => {
    prometheus.setQueryResult(SCENARIOS.pay.query, 0.01);
    const run = await deployAndWait('pay');
    prometheus.setQueryResult(SCENARIOS.pay.query, 0.2);

    const paused = await runState(run, ['paused']);
    expect(paused.breaches).toMatchObject([{ guardId: 'error-rate', action: 'page' }]);
    const dm = await waitUntil("the on-call's DM", () => {
      const channel = slack.dmChannel('U0BOB');
      return channel ? slack.messages(channel).find((m) => m.text.includes(`run #${run.id})`)) : undefined;
    });
    const alert = await waitUntil('the alert naming the on-call', () => {
      const found = alertIn(run);
      return found?.text.includes('On-call <@U0BOB> paged') ? found : undefined;
    });
    expect(alert.text).toContain('Paging the on-call');
    await waitUntil('the PagerDuty trigger', () => pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate')));

    const ack = await driver.clickButton({ userId: 'U0BOB', channelId: dm.channel, messageTs: dm.ts, actionId: 'incident.ack' });
    expect(ack.status).toBe(200);
    await waitUntil('PagerDuty to be acknowledged', () => (pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate'))?.status === 'acknowledged' ? true : undefined));
    await waitUntil('the acknowledge note in the thread', () => threadTexts(paused).find((t) => t.includes('<@U0BOB> acknowledged')));

    const rollback = await driver.clickButton({ userId: 'U0BOB', channelId: dm.channel, messageTs: dm.ts, actionId: 'incident.rollback' });
    expect(rollback.status).toBe(200);
    const failed = await runState(run, ['failed', 'rolling-back', 'rolled-back']);
    expect(failed.reason).toMatchObject({ kind: 'aborted', by: 'U0BOB' });
    await waitUntil('the rollback patch to reach the API server', () => rollbackPatched('pay') || undefined);
  });

  it('with PagerDuty down, the alert and the rollback still happen at once, and the trigger arrives once PagerDuty is back', async () => {
    prometheus.setQueryResult(SCENARIOS.cart.query, 0.01);
    const run = await deployAndWait('cart');
    await pagerduty.down();
    try {
      prometheus.setQueryResult(SCENARIOS.cart.query, 0.5);
      await waitUntil('the alert in the channel', () => alertIn(run));
      await runState(run, ['failed', 'rolling-back', 'rolled-back']);
      await waitUntil('the rollback patch to reach the API server', () => rollbackPatched('cart') || undefined);
      expect(pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate'))).toBeUndefined();
    } finally {
      await pagerduty.up();
    }
    const incident = await waitUntil('the retried trigger', () => pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate')), 40_000);
    expect(incident.triggerCount).toBe(1);
  });

  it('no data (NaN) for the whole window is inconclusive: it pages instead of rolling back', async () => {
    prometheus.setQueryResult(SCENARIOS.feed.query, 0.01);
    const run = await deployAndWait('feed');
    prometheus.setQueryResult(SCENARIOS.feed.query, 'NaN');
    const paused = await runState(run, ['paused']);
    expect(paused.breaches).toMatchObject([{ guardId: 'error-rate', action: 'page' }]);
    const alert = await waitUntil('the alert in the channel', () => alertIn(run));
    expect(alert.text).toContain('is inconclusive');
    expect(alert.text).toContain('NaN');
    expect(rollbackPatched('feed')).toBe(false);
    await waitUntil('the PagerDuty trigger', () => pagerduty.incident(dedupKeyFor(runRef(run), 'error-rate')));
  });

  it.skipIf(skipWithout(REAL_PROMETHEUS, 'the real-Prometheus guard test'))('a real Prometheus scraping a service whose errors climb drives a real rollback', async () => {
    requireTool(REAL_PROMETHEUS);
    const service = realPrometheus!.service;
    service.errorRatio = 0;
    const run = await deployAndWait('real');
    service.errorRatio = 0.3;
    const alert = await waitUntil('the alert in the channel', () => alertIn(run), 40_000);
    expect(alert.text).toContain('Rolling back now');
    await runState(run, ['failed', 'rolling-back', 'rolled-back']);
    await waitUntil('the rollback patch to reach the API server', () => rollbackPatched('real') || undefined);
    service.errorRatio = 0;
  });
});
