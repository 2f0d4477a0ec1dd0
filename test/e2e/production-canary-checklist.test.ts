import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { startPrometheusEmulator, type PrometheusEmulator } from '../../sandbox/prometheus/index.js';
import type { SlackEmulator } from '../../sandbox/slack/index.js';
import { driveProduction, itemOf, PRODUCTION_ROLES, PRODUCTION_USERS, queriesOf, TICKERS, type ProductionDriver } from '../support/production-checklist-driver.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitForRunState } from '../support/wait-for-run-state.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * The shipped canary variant of the production checklist, unedited, against the emulators with the chart's
 * RBAC enforced (the world's default worker identity). Only documented overrides make it fit a test:
 * CHECKLIST_DURATION_CAP shortens bakes, guard windows and follow-ups to a second, and PROBE_CONNECT_TO sends
 * the probes' in-cluster Service URLs to a local health endpoint, as `kubectl port-forward` would.
 */
const PRODUCTION = readFileSync(resolve(import.meta.dirname, '../../checklists/production-canary.yaml'), 'utf8');
const CHANNEL = 'C0PROD';
const REPO = 'registry.example.com/acme/api';

const CATALOG = (prometheusUrl: string) => `
slack:
  defaultChannel: ${CHANNEL}
${PRODUCTION_ROLES}
environments:
  production:
    cluster: emulator
    checklist: production-canary
    confirmSignoffs: true
    prometheusUrl: ${prometheusUrl}
services:
  api:
    namespace: shop
    deployment: api
    container: api
    image: ${REPO}
    environments: [production]
    traffic: { route: api, stableService: api, canaryService: api-canary }
`;

const QUERIES = queriesOf(PRODUCTION, 'shop');
const HEALTHY: Record<string, number> = { 'latency-p95': 0.3, 'p95-ok': 0.3 };

let world: E2eWorld;
let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let driver: ProductionDriver;
let prometheus: PrometheusEmulator;
let health: Server;
const healthHits: string[] = [];

const weights = () => (k8s.get('httproutes', 'shop', 'api')!.spec.rules[0].backendRefs as Array<{ name: string; weight?: number }>).map((b) => `${b.name}=${b.weight}`);
const imageOf = (name: string) => k8s.getDeployment('shop', name).spec.template.spec.containers[0].image as string;

beforeAll(async () => {
  prometheus = await startPrometheusEmulator();
  for (const [id, query] of Object.entries(QUERIES)) prometheus.setQueryResult(query, HEALTHY[id] ?? 0.001);
  health = createServer((req, res) => {
    healthHits.push(`${req.method} ${req.url}`);
    res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  await new Promise<void>((ready) => health.listen(0, '127.0.0.1', () => ready()));
  world = await startE2eWorld({
    mode: 'http',
    catalog: CATALOG(prometheus.url),
    checklists: { 'production-canary': PRODUCTION },
    slack: { channels: [CHANNEL], users: PRODUCTION_USERS },
    kubernetes: { readyDelayMs: 100 },
    env: {
      CHECKLIST_DURATION_CAP: '1s',
      PROBE_CONNECT_TO: `*.svc.cluster.local:80=127.0.0.1:${(health.address() as AddressInfo).port}`,
    },
    beforeStart: ({ k8s: cluster }) => {
      cluster.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: `${REPO}:v1`, replicas: 2 });
      cluster.create('httproutes', 'shop', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'api' },
        spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'api', port: 8080 }] }] },
      });
      cluster.jobOutcome({ image: `${REPO}:v2` }, { succeed: true, logs: ['create: ok', 'read: ok', 'update: ok', 'delete: ok', 'isolation: ok'] });
    },
  });
  ({ slack, k8s } = world);
  driver = driveProduction(world, CHANNEL);
}, 120_000);

afterAll(async () => {
  // Any request the chart's Role does not allow fails the file, wherever it happened.
  const denied = world?.k8s.requests.filter((r) => r.denied).map((r) => `${r.method} ${r.path}`);
  expect(await world?.stop()).toBe(0);
  await prometheus?.close();
  await new Promise((closed) => health?.close(closed));
  expect(denied).toEqual([]);
});

describe('checklists/production-canary.yaml, run for real under the chart RBAC', () => {
  it('goes from sign-offs through the 5/25/50/100 canary, smoke Job and promotion to its follow-ups', async () => {
    const run = await driver.deploy('api', 'v2');
    expect(itemOf(run, 'current-healthy').state).not.toBe('failed');
    await driver.clearTheGates(run);

    const ts = run.messageTs!;
    await waitUntil('health validation', async () => ((await world.store.get(run.id))!.phases[3]!.state === 'active' ? true : undefined), 60_000);
    for (const itemId of ['dashboards-green', 'business-metrics']) await driver.press(TICKERS[itemId]!, `item.tick.${itemId}`, ts);
    await waitUntil('post-deployment', async () => ((await world.store.get(run.id))!.phases[5]!.state === 'active' ? true : undefined), 60_000);
    await driver.press(TICKERS.announce!, 'item.tick.announce', ts);
    const done = await waitForRunState(world.store, run.id, ['succeeded', 'failed', 'error', 'rolled-back', 'rollback-failed'], 60_000);
    expect(done.state, JSON.stringify(done.reason)).toBe('succeeded');

    const routePatches = k8s.requests
      .filter((r) => r.method === 'PATCH' && r.path.endsWith('/httproutes/api'))
      .map((r) => (r.body as { spec: { rules: Array<{ backendRefs: Array<{ weight: number }> }> } }).spec.rules[0]!.backendRefs.map((b) => b.weight).join('/'));
    expect(routePatches).toEqual(['95/5', '75/25', '50/50', '0/100', '100/0']);
    expect(weights()).toEqual(['api=100', 'api-canary=0']);
    expect(imageOf('api')).toBe(`${REPO}:v2`);
    expect(k8s.getDeployment('shop', 'api-canary').spec.replicas).toBe(0);
    // The canary was as large as the stable (2), so at 100% the traffic was never on one pod.
    const canaryCreated = k8s.requests.find((r) => r.method === 'POST' && (r.body as { metadata?: { name?: string } }).metadata?.name === 'api-canary');
    expect((canaryCreated?.body as { spec: { replicas: number } }).spec.replicas).toBe(2);
    expect(itemOf(done, 'start-canary').detail).toContain('(2 replicas, as api)');
    const job = k8s.list('jobs', 'shop')[0]!;
    expect(job.spec.template.spec.containers[0]).toMatchObject({ image: `${REPO}:v2`, command: ['./smoke-test'], env: expect.arrayContaining([{ name: 'TARGET_URL', value: 'http://api-canary.shop.svc.cluster.local' }]) });
    expect(done.phases.slice(0, 6).flatMap((phase) => phase.items.map((item) => `${item.id}:${item.state}`)).filter((s) => !s.endsWith(':done'))).toEqual([]);
    expect(healthHits).toContain('GET /health');

    // Follow-ups, capped to a second each, come as reminders in the run's thread.
    const reminders = ['One hour after', 'One day after', 'One week after'];
    for (const [phaseIndex, title] of reminders.entries()) {
      const reminder = await slack.waitFor((state) => state.thread(CHANNEL, ts).find((reply) => reply.text === `Follow-up "${title}" for run #${run.id} is due`), 20_000, `the "${title}" reminder`);
      const phase = done.phases[6 + phaseIndex]!;
      for (const item of phase.items.filter((candidate) => candidate.kind === 'manual')) await driver.press(TICKERS[item.id]!, `item.tick.${item.id}`, reminder.ts);
    }
    const followedUp = await waitUntil('every follow-up done', async () => {
      const current = (await world.store.get(run.id))!;
      return current.phases.slice(6).every((phase) => phase.state === 'done') ? current : undefined;
    }, 30_000);
    expect(itemOf(followedUp, 'error-rate-1h').state).toBe('done');
    // Every check and guard query of the checklist reached Prometheus.
    const measured = Object.values(QUERIES).filter((query) => prometheus.queries.some((q) => q.query === query));
    expect(measured).toHaveLength(Object.keys(QUERIES).length);
  }, 180_000);

  it('rolls a release back when a guard breaches mid-canary, leaving nothing serving the canary', async () => {
    const run = await driver.deploy('api', 'v3');
    await driver.clearTheGates(run);
    await waitUntil('the 25% bake', async () => (itemOf((await world.store.get(run.id))!, 'bake-25').state === 'running' ? true : undefined), 60_000);
    expect(weights()).toEqual(['api=75', 'api-canary=25']);
    prometheus.setQueryResult(QUERIES['error-rate']!, 0.2);

    const undone = await waitForRunState(world.store, run.id, ['rolled-back', 'rollback-failed', 'error', 'succeeded'], 60_000);
    prometheus.setQueryResult(QUERIES['error-rate']!, 0.001);
    expect(undone.state, JSON.stringify(undone.reason)).toBe('rolled-back');
    expect(undone.breaches).toMatchObject([{ guardId: 'error-rate', action: 'rollback' }]);
    expect(weights()).toEqual(['api=100', 'api-canary=0']);
    expect(k8s.getDeployment('shop', 'api-canary').spec.replicas).toBe(0);
    expect(imageOf('api')).toBe(`${REPO}:v2`);
    // Stopped inside the canary phase: the release never reached promotion.
    expect(itemOf(undone, 'promote-canary').state).toBe('pending');
  }, 180_000);
});
