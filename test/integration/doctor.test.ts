import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPrometheus } from '../../src/doctor/check-prometheus.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { BOT_SCOPES } from '../../src/slack/build-manifest.js';
import { E2E_CHECKLIST } from '../e2e/fixtures.js';
import { startKubernetesEmulator, writeKubeconfigFor, type KObject, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { WORKER_ACCOUNT, loadChartRbac } from '../../sandbox/kubernetes/load-chart-rbac.js';
import { startPagerDutyEmulator, type PagerDutyEmulator } from '../../sandbox/pagerduty/index.js';
import { startPrometheusEmulator, type PrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { startOwnRedisCluster } from '../support/own-redis-cluster.js';
import { serveEndlessly } from '../support/serve-endlessly.js';

const WORKER = `system:serviceaccount:${WORKER_ACCOUNT.namespace}:${WORKER_ACCOUNT.name}`;

let slack: SlackEmulator;
let pagerduty: PagerDutyEmulator;
let prometheus: PrometheusEmulator;
const clusters: KubernetesEmulator[] = [];
let dir: string;

function catalog(prometheusUrl: string): string {
  return `
slack:
  defaultChannel: C0DEPLOY
environments:
  staging: { cluster: staging, checklist: release, prometheusUrl: "${prometheusUrl}" }
  production: { cluster: production, checklist: release }
services:
  api:
    namespace: shop
    deployment: api
    container: api
    image: registry.example.com/acme/api
    environments: [staging, production]
    pagerduty: { routingKeyEnv: API_ROUTING_KEY, escalationPolicy: PESCAL1 }
  web:
    namespace: shop
    deployment: web
    container: web
    image: registry.example.com/acme/web
    environments: [production]
`;
}

/** Two clusters where flightdeck is the chart's worker account; `editRole` changes production's Role. */
async function writeWorld(name: string, editRole?: (rules: KObject[]) => KObject[]): Promise<string> {
  const staging = await startKubernetesEmulator();
  const production = await startKubernetesEmulator();
  clusters.push(staging, production);
  staging.applyRbac(loadChartRbac(['shop']));
  production.applyRbac(loadChartRbac(['shop'], editRole));
  const kubeconfig = join(dir, `${name}.kubeconfig`);
  writeKubeconfigFor(
    kubeconfig,
    [
      ['staging', staging],
      ['production', production],
    ].map(([context, emulator]) => ({
      context: context as string,
      emulator: emulator as KubernetesEmulator,
      token: (emulator as KubernetesEmulator).serviceAccountToken(WORKER_ACCOUNT.namespace, WORKER_ACCOUNT.name),
    })),
  );
  return kubeconfig;
}

function envFor(kubeconfig: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    FLIGHTDECK_ROLE: 'worker',
    FLIGHTDECK_CONFIG: join(dir, 'flightdeck.yaml'),
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    KUBECONFIG: kubeconfig,
    API_ROUTING_KEY: pagerduty.routingKey,
    PAGERDUTY_API_TOKEN: pagerduty.apiToken,
    PAGERDUTY_API_URL: pagerduty.apiUrl,
    ...extra,
  };
}

async function doctor(env: Record<string, string>): Promise<{ code: number; lines: string[] }> {
  let out = '';
  const code = await runDoctor(env, { stdout: (text) => void (out += text) });
  return { code, lines: out.trimEnd().split('\n') };
}

const line = (lines: string[], check: string) => lines.find((l) => l.slice(9).startsWith(`${check}:`));

beforeAll(async () => {
  slack = await startSlackEmulator({ scopes: BOT_SCOPES });
  pagerduty = await startPagerDutyEmulator();
  pagerduty.addUser({ id: 'PALICE', name: 'Alice', email: 'alice@example.com' });
  pagerduty.setOnCall('PESCAL1', ['PALICE']);
  prometheus = await startPrometheusEmulator();
  dir = mkdtempSync(join(tmpdir(), 'flightdeck-doctor-'));
  mkdirSync(join(dir, 'checklists'));
  writeFileSync(join(dir, 'flightdeck.yaml'), catalog(prometheus.url));
  writeFileSync(join(dir, 'checklists', 'release.yaml'), E2E_CHECKLIST);
});

afterAll(async () => {
  await Promise.all([slack?.close(), pagerduty?.close(), prometheus?.close(), ...clusters.map((c) => c.close())]);
});

describe('flightdeck doctor against the emulators', () => {
  it('passes as the chart worker account, naming who it is in each cluster and what degrades', async () => {
    const { code, lines } = await doctor(envFor(await writeWorld('worker')));
    expect(lines.filter((l) => l.startsWith('FAILED'))).toEqual([]);
    expect(code).toBe(0);
    expect(line(lines, 'catalog')).toMatch(/^ok .*2 service\(s\), 2 environment\(s\)/);
    expect(line(lines, 'redis')).toMatch(/^ok .*answers PONG/);
    expect(line(lines, 'slack')).toMatch(/^ok .*every scope the manifest asks for/);
    expect(line(lines, 'cluster production (production)')).toBe(`ok       cluster production (production): as ${WORKER}: all 16 permissions in shop`);
    expect(line(lines, 'cluster staging (staging)')).toMatch(/^ok /);
    expect(line(lines, 'prometheus staging')).toMatch(/^ok .*answers queries/);
    expect(line(lines, 'pagerduty api')).toMatch(/^ok .*API_ROUTING_KEY/);
    expect(line(lines, 'pagerduty on-call PESCAL1')).toMatch(/^ok .*1 person/);
    // web has no pagerduty settings: paging it is off, which degrades but never fails.
    expect(line(lines, 'pagerduty')).toMatch(/^degraded pagerduty: never paged \(no pagerduty settings\): web — fix: /);
    expect(lines.at(-1)).toBe('flightdeck can run here (1 degraded)');
  });

  it('fails naming the verb when the Role lacks one, with a kubectl auth can-i line for it', async () => {
    const withoutPatch = (rules: KObject[]) => rules.map((r) => (r.resources.includes('deployments') ? { ...r, verbs: r.verbs.filter((v: string) => v !== 'patch') } : r));
    const { code, lines } = await doctor(envFor(await writeWorld('no-patch', withoutPatch)));
    expect(code).toBe(1);
    expect(line(lines, 'cluster production (production)')).toBe(
      `FAILED   cluster production (production): as ${WORKER}: may not patch deployments.apps in shop — fix: grant what the chart's Role grants in shop ` +
        `(helm/flightdeck: rbac.targetNamespaces), then check with: kubectl auth can-i patch deployments.apps -n shop --as ${WORKER}`,
    );
    expect(line(lines, 'cluster staging (staging)')).toMatch(/^ok /);
    expect(lines.at(-1)).toBe('1 check(s) failed (1 degraded)');
  });

  it('fails when the Slack token lacks a scope the manifest asks for, and degrades without a routing key', async () => {
    const partial = await startSlackEmulator({ scopes: BOT_SCOPES.filter((s) => s !== 'usergroups:read') });
    try {
      const { code, lines } = await doctor({ ...envFor(await writeWorld('scopes')), SLACK_API_URL: partial.apiUrl, API_ROUTING_KEY: '' });
      expect(code).toBe(1);
      expect(line(lines, 'slack')).toMatch(/^FAILED .*the token lacks usergroups:read — fix: paste the output of `flightdeck manifest`/);
      expect(line(lines, 'pagerduty api')).toMatch(/^degraded .*API_ROUTING_KEY is not set, so api is never paged/);
    } finally {
      await partial.close();
    }
  });

  it('fails on an unreachable Redis and a cluster that rejects the token, and still checks the rest', async () => {
    const kubeconfig = join(dir, 'bad-token.kubeconfig');
    const cluster = await startKubernetesEmulator();
    clusters.push(cluster);
    writeKubeconfigFor(kubeconfig, [
      { context: 'staging', emulator: cluster, token: 'not-a-token' },
      { context: 'production', emulator: cluster },
    ]);
    const { code, lines } = await doctor(envFor(kubeconfig, { REDIS_URL: 'redis://127.0.0.1:1' }));
    expect(code).toBe(1);
    expect(line(lines, 'redis')).toMatch(/^FAILED {3}redis: redis:\/\/127\.0\.0\.1:1: .* — fix: check REDIS_URL/);
    expect(line(lines, 'cluster staging (staging)')).toMatch(/^FAILED .*rejected the credentials \(401 Unauthorized\)/);
    expect(line(lines, 'slack')).toMatch(/^ok /);
  });

  it('checks every master of a Redis Cluster, naming one that would evict, and fails on an unreachable seed list', async () => {
    const kubeconfig = await writeWorld('redis-cluster');
    const redis = await startOwnRedisCluster(0);
    try {
      const healthy = await doctor(envFor(kubeconfig, { REDIS_URL: redis.url }));
      expect(line(healthy.lines, 'redis')).toBe(`ok       redis: ${redis.url} answers PONG (a cluster of 3 masters), maxmemory-policy noeviction`);
      expect(healthy.code).toBe(0);
      const [, evicting] = await redis.masterPorts();
      await redis.command(evicting!, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      const { code, lines } = await doctor(envFor(kubeconfig, { REDIS_URL: redis.url }));
      expect(code).toBe(1);
      expect(line(lines, 'redis')).toBe(
        `FAILED   redis: ${redis.url} answers PONG, but the master 127.0.0.1:${evicting}'s maxmemory-policy is allkeys-lru: it may evict a lock or a queued job — fix: set maxmemory-policy noeviction (CONFIG SET, redis.conf, or the managed service's parameter group)`,
      );
    } finally {
      await redis.destroy();
    }
    const gone = await doctor(envFor(kubeconfig, { REDIS_URL: 'redis+cluster://127.0.0.1:1,127.0.0.1:2' }));
    expect(line(gone.lines, 'redis')).toMatch(/^FAILED {3}redis: redis\+cluster:\/\/127\.0\.0\.1:1,127\.0\.0\.1:2: .* — fix: check REDIS_URL \(.*redis\+cluster:\/\//);
  });

  it('stops at an environment that would not start flightdeck, saying which variable', async () => {
    const { code, lines } = await doctor({ FLIGHTDECK_ROLE: 'worker', REDIS_URL: 'http://nope' });
    expect(code).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^FAILED {3}environment: SLACK_BOT_TOKEN: is not set .*REDIS_URL: /)]);
  });
});

describe("doctor's Prometheus check against answers past 64 KiB", () => {
  /** A vector(1) answer of exactly `bytes` bytes. */
  const answerOfBytes = (bytes: number): string => {
    const shape = (pad: string) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { pad }, value: [1700000000, '1'] }] } });
    return shape('x'.repeat(bytes - shape('').length));
  };
  /** One per request to `/endless`: settles when the server sees that client close the connection. */
  const endless: Promise<void>[] = [];
  const server = createServer((req, res) => {
    const sized = /^\/bytes\/(\d+)\//.exec(req.url ?? '');
    if (sized) return void res.writeHead(200, { 'content-type': 'application/json' }).end(answerOfBytes(Number(sized[1])));
    endless.push(serveEndlessly(res, '{"status":"success","data":{"resultType":"vector","result":[', '{"metric":{},"value":[1700000000,"1"]},'.repeat(400)));
  });
  let base: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('takes an answer of exactly 64 KiB and fails one a byte longer as not an answer to vector(1)', async () => {
    expect(await checkPrometheus('staging', `${base}/bytes/${64 * 1024}`, 5000)).toMatchObject({ status: 'ok' });
    const past = await checkPrometheus('staging', `${base}/bytes/${64 * 1024 + 1}`, 5000);
    expect(past).toMatchObject({ status: 'failed', detail: expect.stringContaining('answered HTTP 200, more than 64 KiB, which is no answer to vector(1)') });
  });

  it('fails an answer that never ends the same way, and lets the connection go', async () => {
    endless.length = 0;
    const result = await checkPrometheus('staging', `${base}/endless`, 5000);
    expect(result).toMatchObject({ status: 'failed', detail: expect.stringContaining('more than 64 KiB') });
    expect(endless).toHaveLength(1);
    await endless[0]; // the server saw the check close its connection
  });
});
