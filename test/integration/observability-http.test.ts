import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { loadEnv } from '../../src/config/load-env.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { EVENT_LOOP_DELAY_MAX } from '../../src/observability/create-metrics.js';
import { FOLLOWUPS_QUEUE, queuePrefix } from '../../src/queue/engine/create-queues.js';
import { startFlightdeck, type Flightdeck } from '../../src/start-flightdeck.js';
import { E2E_CATALOG, E2E_CHECKLIST } from '../e2e/fixtures.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { listButtons, SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { freePort } from '../support/free-port.js';
import { waitUntil } from '../support/wait-until.js';

const SIGNING_SECRET = 'observability-signing-secret';
const CHANNEL = 'C0DEPLOY';

interface Running {
  flightdeck: Flightdeck;
  url: string;
  prefix: string;
  logLines: () => Array<Record<string, unknown>>;
}

let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let kubeconfig: string;
let configDir: string;
let redis: Redis;
const started: Running[] = [];

const newPrefix = () => `obs-${randomBytes(4).toString('hex')}`;

/** Starts flightdeck in this process with one role, as `flightdeck serve` would, logging into memory. */
async function start(role: 'web' | 'worker' | 'all', kubeconfigPath = kubeconfig, more: { prefix?: string; env?: Record<string, string> } = {}): Promise<Running> {
  const port = await freePort();
  const prefix = more.prefix ?? newPrefix();
  const env = loadEnv({
    ...more.env,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    REDIS_PREFIX: prefix,
    FLIGHTDECK_CONFIG: join(configDir, 'flightdeck.yaml'),
    KUBECONFIG: kubeconfigPath,
    PORT: String(port),
    FLIGHTDECK_ROLE: role,
  });
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger('debug', sink, { secrets: [slack.token, SIGNING_SECRET] });
  const flightdeck = await startFlightdeck(await loadConfig(env), logger);
  const running = {
    flightdeck,
    url: `http://127.0.0.1:${port}`,
    prefix,
    logLines: () => text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
  started.push(running);
  return running;
}

async function stop(running: Running): Promise<void> {
  started.splice(started.indexOf(running), 1);
  await running.flightdeck.stop();
  const keys = await redis.keys(`{${running.prefix}}*`);
  if (keys.length > 0) await redis.del(...keys);
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The value of one sample in Prometheus text format, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  slack = await startSlackEmulator({ channels: [CHANNEL] });
  k8s = await startKubernetesEmulator({ readyDelayMs: 50 });
  k8s.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.0.0', replicas: 2 });
  configDir = mkdtempSync(join(tmpdir(), 'flightdeck-obs-'));
  mkdirSync(join(configDir, 'checklists'));
  writeFileSync(join(configDir, 'flightdeck.yaml'), E2E_CATALOG);
  writeFileSync(join(configDir, 'checklists', 'release.yaml'), E2E_CHECKLIST);
  kubeconfig = join(configDir, 'kubeconfig');
  k8s.writeKubeconfig(kubeconfig, 'emulator');
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
});

afterAll(async () => {
  for (const running of [...started]) await stop(running);
  redis?.disconnect();
  await slack?.close();
  await k8s?.close();
});

describe('health, readiness and metrics endpoints', () => {
  it('serves /healthz, /readyz and /metrics from a worker-only process, which has no Slack listener', async () => {
    const worker = await start('worker');
    expect(await getJson(`${worker.url}/healthz`)).toEqual({ status: 200, body: { ok: true } });
    expect(await getJson(`${worker.url}/readyz`)).toEqual({ status: 200, body: { ready: true, checks: { redis: 'ok', 'cluster:emulator': 'ok' } } });
    expect((await fetch(`${worker.url}/slack/events`, { method: 'POST' })).status).toBe(404);

    const metrics = await fetch(`${worker.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    for (const name of [
      'flightdeck_runs_total',
      'flightdeck_run_duration_seconds',
      'flightdeck_rollbacks_total',
      'flightdeck_rollback_duration_seconds',
      'flightdeck_guard_breaches_total',
      'flightdeck_queue_jobs',
      'flightdeck_queue_wait_seconds',
      'flightdeck_slack_api_errors_total',
      'flightdeck_slack_rate_limited_total',
      'flightdeck_slack_ack_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, 'flightdeck_queue_jobs{queue="steps",state="waiting"}')).toBe(0);
    await stop(worker);
  });

  it('is not ready while a cluster in the catalog does not answer, and says which', async () => {
    const broken = join(configDir, 'kubeconfig-unreachable');
    const closed = await freePort();
    writeFileSync(
      broken,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: { server: "http://127.0.0.1:${closed}", insecure-skip-tls-verify: true }\nusers:\n- name: u\n  user: { token: t }\ncontexts:\n- name: emulator\n  context: { cluster: c, user: u }\ncurrent-context: emulator\n`,
    );
    const worker = await start('worker', broken);
    const { status, body } = await getJson(`${worker.url}/readyz`);
    expect(status).toBe(503);
    expect(body.ready).toBe(false);
    const checks = body.checks as Record<string, string>;
    expect(checks.redis).toBe('ok');
    expect(checks['cluster:emulator']).not.toBe('ok');
    expect(checks['cluster:emulator']).toMatch(/ECONNREFUSED|fetch failed|connect/i);
    // Liveness stays green: restarting flightdeck would not bring the cluster back.
    expect((await getJson(`${worker.url}/healthz`)).status).toBe(200);
    await stop(worker);
  });

  it('checks only Redis on the web role, so a cluster outage never hides the Slack listener', async () => {
    const web = await start('web', join(configDir, 'kubeconfig-unreachable'));
    expect(await getJson(`${web.url}/readyz`)).toEqual({ status: 200, body: { ready: true, checks: { redis: 'ok' } } });
    expect((await fetch(`${web.url}/metrics`)).status).toBe(200);
    await stop(web);
  });
});

describe('stalled jobs', () => {
  it('counts a job whose worker died holding it once another worker moves it back, and serves the event-loop delay', async () => {
    // A worker that took a job and died: the job is active and its lock (1 s, never renewed) lapses.
    const prefix = newPrefix();
    const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    const queue = new Queue(FOLLOWUPS_QUEUE, { connection, prefix: queuePrefix(prefix) });
    const dead = new Worker(FOLLOWUPS_QUEUE, null, { connection, prefix: queuePrefix(prefix), autorun: false, lockDuration: 1000 });
    await queue.add('left-behind', {}, { jobId: 'left-behind' });
    expect((await dead.getNextJob('dead-worker'))?.id).toBe('left-behind');
    await dead.close();
    expect(await queue.getJobState('left-behind')).toBe('active');

    const worker = await start('worker', kubeconfig, { prefix, env: { WORKER_LOCK_MS: '1000' } });
    const metrics = async () => (await fetch(`${worker.url}/metrics`)).text();
    const stalled = await waitUntil('the stalled job counted', async () => {
      const count = sample(await metrics(), `flightdeck_jobs_stalled_total{queue="${FOLLOWUPS_QUEUE}"}`);
      return count !== undefined && count > 0 ? count : undefined;
    });
    expect(stalled).toBe(1);
    // Moved back to wait and run again, here by a worker with no handler for this name.
    await waitUntil('the job run again', async () => ((await queue.getJob('left-behind'))?.failedReason?.includes('No handler') ? true : undefined));
    expect(worker.logLines().filter((line) => line.msg === 'job stalled: its worker died or lost its lock; it runs again')).toMatchObject([{ queue: FOLLOWUPS_QUEUE, job: 'left-behind' }]);
    const text = await metrics();
    // Every queue's count is there from the start; only this one moved.
    expect(sample(text, 'flightdeck_jobs_stalled_total{queue="steps"}')).toBe(0);
    expect(sample(text, `flightdeck_jobs_stalled_total{queue="${FOLLOWUPS_QUEUE}"}`)).toBe(1);
    // The event-loop delay since the last scrape: this process (flightdeck runs in it) is held for 150 ms at once.
    const heldUntil = Date.now() + 150;
    while (Date.now() < heldUntil);
    expect(sample(await metrics(), `${EVENT_LOOP_DELAY_MAX}{role="worker"}`)).toBeGreaterThanOrEqual(0.1);
    await queue.close();
    connection.disconnect();
    await stop(worker);
  });
});

describe('metrics and logs of a run', () => {
  it('counts the run, its queue waits, Slack errors, 429s and ack latency, and logs the run id on its work', async () => {
    const all = await start('all');
    const driver = new SlackDriver({ appUrl: `${all.url}/slack/events`, signingSecret: SIGNING_SECRET, emulator: slack });
    slack.failNext('chat.postMessage', 1, { retryAfter: 1 });
    slack.failNext('chat.update', 1, { error: 'internal_error' });

    const response = await driver.slashCommand({ command: '/deploy', text: 'api v1.1.0 to production', userId: 'U0ALICE', channelId: CHANNEL });
    const runId = /Run #(\d+)/.exec(JSON.stringify(response.json ?? response.body))?.[1];
    expect(runId).toBeDefined();
    const posted = await slack.waitFor((state) => state.messages(CHANNEL).find((m) => m.text.includes('v1.1.0')), 15_000, 'the run message');
    const clicked = new Set<string>();
    await waitUntil(
      'the run to succeed',
      async () => {
        const message = slack.message(CHANNEL, posted.ts)!;
        if (message.blocks.some((block) => block.block_id === 'outcome')) return true;
        const button = listButtons(message.blocks).find((candidate) => candidate.actionId.startsWith('item.') && !clicked.has(candidate.value ?? ''));
        if (button) {
          clicked.add(button.value ?? '');
          await driver.clickButton({ userId: 'U0BOB', channelId: CHANNEL, messageTs: posted.ts, actionId: button.actionId, value: button.value });
        }
        return undefined;
      },
      30_000,
    );

    const text = await (await fetch(`${all.url}/metrics`)).text();
    expect(sample(text, 'flightdeck_runs_total{environment="production",outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'flightdeck_run_duration_seconds_count{environment="production",outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'flightdeck_queue_wait_seconds_count{queue="steps"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'flightdeck_queue_wait_seconds_count{queue="notify"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'flightdeck_slack_rate_limited_total{method="chat.postMessage"}')).toBe(1);
    expect(sample(text, 'flightdeck_slack_api_errors_total{method="chat.update",error="internal_error"}')).toBe(1);
    // One ack for the command and one per button click.
    expect(sample(text, 'flightdeck_slack_ack_seconds_count')).toBe(1 + clicked.size);

    const lines = all.logLines();
    const runWork = lines.filter((line) =>
      ['step succeeded', 'step failed', 'run message rendered', 'run message render failed; trying again', 'item ticked'].includes(String(line.msg)),
    );
    expect(runWork.some((line) => line.msg === 'run message render failed; trying again')).toBe(true);
    expect(runWork.filter((line) => line.msg === 'step succeeded')).toHaveLength(2);
    for (const line of runWork) expect(line, JSON.stringify(line)).toMatchObject({ run: runId });
    expect(JSON.stringify(lines)).not.toContain(SIGNING_SECRET);
    expect(JSON.stringify(lines)).not.toContain(slack.token);
    await stop(all);
  });
});
