import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { loadEnv } from '../../src/config/load-env.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { startFlightdeck, type Flightdeck } from '../../src/start-flightdeck.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { startPagerDutyEmulator, type PagerDutyEmulator } from '../../sandbox/pagerduty/index.js';
import { startPrometheusEmulator, type PrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { freePort } from '../support/free-port.js';
import { waitUntil } from '../support/wait-until.js';

/*
 * Every metric family docs/operations.md documents is fed: one compact run — a deploy whose run message Slack
 * first refuses (an error, then 429s long enough for the message to go stale), a guard breach that pages and
 * rolls back, a CI API request without a token — scraped along the way, and each family must show values other than at the start. In Socket
 * Mode, where there is no HTTP answer to time, acks are timed too.
 */

const CHANNEL = 'C0DEPLOY';
const SIGNING_SECRET = 'metrics-fed-secret';
const QUERY = 'job:error_ratio{service="web"}';
/** Families this run cannot feed without killing a worker, and the test that feeds them. */
const FED_ELSEWHERE: Record<string, string> = { flightdeck_jobs_stalled_total: 'test/integration/observability-http.test.ts (a job whose worker died)' };
const DOCUMENTED = [...readFileSync(resolve(import.meta.dirname, '../../docs/operations.md'), 'utf8').matchAll(/^\| `(flightdeck_[a-z_]+)` \|/gm)].map((m) => m[1]!);

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
roles:
  oncall:
    users: [U0ALICE, U0BOB]
environments:
  production:
    cluster: emulator
    checklist: guarded
    emergency: { deployers: [oncall], approver: oncall }
services:
  web:
    namespace: shop
    deployment: web
    container: web
    image: registry.example.com/acme/web
    environments: [production]
    pagerduty:
      routingKeyEnv: PD_ROUTING_KEY
`;

const checklist = (prometheusUrl: string) => `
name: guarded
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
    action: rollback
`;

let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let prometheus: PrometheusEmulator;
let pagerduty: PagerDutyEmulator;
let redis: Redis;
let dir: string;
const started: Array<{ flightdeck: Flightdeck; prefix: string }> = [];

async function start(extra: Record<string, string>): Promise<string> {
  const port = await freePort();
  const prefix = `metrics-${randomBytes(4).toString('hex')}`;
  const env = loadEnv({
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    REDIS_PREFIX: prefix,
    FLIGHTDECK_CONFIG: join(dir, 'flightdeck.yaml'),
    KUBECONFIG: join(dir, 'kubeconfig'),
    PORT: String(port),
    MESSAGE_LAG_BOUND_MS: '1000',
    PD_ROUTING_KEY: pagerduty.routingKey,
    PAGERDUTY_EVENTS_SERVER: pagerduty.eventsServer,
    PAGERDUTY_CA_FILE: join(dir, 'pagerduty-ca.pem'),
    ...extra,
  });
  started.push({ flightdeck: await startFlightdeck(await loadConfig(env), createLogger('silent'), Date.now, { host: '127.0.0.1' }), prefix });
  return `http://127.0.0.1:${port}`;
}

/** The sample lines of each documented family (a histogram's `_bucket`, `_sum` and `_count` included), as text. */
async function scrape(url: string): Promise<Map<string, string>> {
  const lines = (await (await fetch(`${url}/metrics`)).text()).split('\n').filter((line) => line.startsWith('flightdeck_'));
  return new Map(DOCUMENTED.map((family) => [family, lines.filter((line) => /^[a-z_]+/.exec(line)![0].replace(/_(bucket|sum|count)$/, '') === family).join('\n')]));
}

const sampleOf = (snapshot: Map<string, string>, family: string) => Number(/ (\S+)$/.exec(snapshot.get(family) ?? '')?.[1] ?? Number.NaN);

beforeAll(async () => {
  [slack, k8s, prometheus, pagerduty] = await Promise.all([startSlackEmulator({ channels: [CHANNEL] }), startKubernetesEmulator({ readyDelayMs: 50 }), startPrometheusEmulator(), startPagerDutyEmulator()]);
  k8s.seedDeployment({ namespace: 'shop', name: 'web', container: 'web', image: 'registry.example.com/acme/web:v1', replicas: 2 });
  dir = mkdtempSync(join(tmpdir(), 'flightdeck-metrics-'));
  mkdirSync(join(dir, 'checklists'));
  writeFileSync(join(dir, 'flightdeck.yaml'), CATALOG);
  writeFileSync(join(dir, 'checklists', 'guarded.yaml'), checklist(prometheus.url));
  writeFileSync(join(dir, 'pagerduty-ca.pem'), pagerduty.ca);
  k8s.writeKubeconfig(join(dir, 'kubeconfig'), 'emulator');
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
});

afterAll(async () => {
  for (const { flightdeck, prefix } of started) {
    await flightdeck.stop();
    const keys = await redis.keys(`{${prefix}}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis?.disconnect();
  await Promise.all([slack?.close(), k8s?.close(), prometheus?.close(), pagerduty?.close()]);
});

describe('every documented metric is fed', () => {
  it('finds the families in docs/operations.md', () => {
    expect(DOCUMENTED).toContain('flightdeck_rollbacks_total');
    expect(DOCUMENTED.length).toBeGreaterThanOrEqual(12);
  });

  it('a deploy, a stale message, a guard breach that pages and rolls back: each family changes', async () => {
    const url = await start({});
    const store = new RunStore(redis, started.at(-1)!.prefix);
    const baseline = await scrape(url);
    const snapshots: Array<Map<string, string>> = [];
    const observe = async () => {
      const snapshot = await scrape(url);
      snapshots.push(snapshot);
      return snapshot;
    };

    prometheus.setQueryResult(QUERY, 0.01);
    slack.failNext('chat.postMessage', 1, { error: 'internal_error' });
    slack.failNext('chat.update', 2, { retryAfter: 2 });
    const driver = new SlackDriver({ appUrl: `${url}/slack/events`, signingSecret: SIGNING_SECRET, emulator: slack });
    expect((await driver.slashCommand({ command: '/deploy', text: 'web v2 to production', userId: 'U0ALICE', channelId: CHANNEL })).status).toBe(200);
    expect((await fetch(`${url}/api/v1/runs/1`)).status).toBe(401);
    await waitUntil('a run message trailing its run past the bound', async () => (sampleOf(await observe(), 'flightdeck_messages_stale') > 0 ? true : undefined));
    const run = await waitUntil('the run to wait with its guards on', async () => {
      await observe();
      const [latest] = await store.history('web', 'production', 1);
      return latest?.state === 'waiting' && latest.guardsStartedAt !== undefined ? latest : undefined;
    });

    prometheus.setQueryResult(QUERY, 0.08);
    await waitUntil('the run rolled back', async () => {
      await observe();
      return (await store.get(run.id))?.state === 'rolled-back' ? true : undefined;
    });
    await waitUntil('the breach paged', () => (pagerduty.incidents.length === 1 ? true : undefined));
    await observe();
    const emergency = await driver.slashCommand({ command: '/deploy', text: 'web v3 to production --emergency hotfix', userId: 'U0ALICE', channelId: CHANNEL });
    expect(emergency.status).toBe(200);
    await waitUntil('the emergency deploy counted', async () => (sampleOf(await observe(), 'flightdeck_emergency_deploys_total') === 1 ? true : undefined));
    // The 429s answer the run message's edits, which the pacer may still be holding back when the run has ended.
    await waitUntil('a 429 from chat.update counted', async () => ((await observe()).get('flightdeck_slack_rate_limited_total') !== baseline.get('flightdeck_slack_rate_limited_total') ? true : undefined));

    const unchanged = DOCUMENTED.filter((family) => !(family in FED_ELSEWHERE) && snapshots.every((snapshot) => snapshot.get(family) === baseline.get(family)));
    expect(unchanged).toEqual([]);
    const last = snapshots.at(-1)!;
    // No worker died here, and none lost a lock on a busy event loop either.
    expect(last.get('flightdeck_jobs_stalled_total')).toContain('flightdeck_jobs_stalled_total{queue="steps"} 0');
    expect(last.get('flightdeck_rollbacks_total')).toBe('flightdeck_rollbacks_total{environment="production",outcome="succeeded"} 1');
    expect(last.get('flightdeck_guard_breaches_total')).toBe('flightdeck_guard_breaches_total{environment="production",guard="error-rate"} 1');
    expect(last.get('flightdeck_runs_total')).toContain('flightdeck_runs_total{environment="production",outcome="rolled-back"} 1');
    // The four keys of the one deployment, rolled back after its breach: a failure, restored.
    expect(baseline.get('flightdeck_change_failure_ratio')).toBe('');
    expect(last.get('flightdeck_deployments_per_day')).toBe(`flightdeck_deployments_per_day{service="web",environment="production"} ${1 / 30}`);
    expect(last.get('flightdeck_change_failure_ratio')).toBe('flightdeck_change_failure_ratio{service="web",environment="production"} 1');
    expect(sampleOf(last, 'flightdeck_time_to_restore_seconds')).toBeGreaterThan(0);
  });

  it('times acks in Socket Mode too', async () => {
    const url = await start({ SLACK_APP_TOKEN: slack.appToken });
    await slack.socketMode.waitForConnection(10_000);
    const count = async () => Number(/^flightdeck_slack_ack_seconds_count (\S+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
    expect(await count()).toBe(0);
    const driver = new SlackDriver({ mode: 'socket', emulator: slack });
    expect((await driver.slashCommand({ command: '/deploy', text: 'help', userId: 'U0ALICE', channelId: CHANNEL })).status).toBe(200);
    expect(await waitUntil('the ack to be timed', async () => ((await count()) === 1 ? 1 : undefined))).toBe(1);
  });
});
