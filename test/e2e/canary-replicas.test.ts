import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/run/core/run-schema.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import type { KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { startPrometheusEmulator, type PrometheusEmulator } from '../../sandbox/prometheus/index.js';
import { listButtons, type SlackDriver, type SlackEmulator } from '../../sandbox/slack/index.js';
import { replyText } from '../support/reply-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitForRunState } from '../support/wait-for-run-state.js';
import { waitUntil } from '../support/wait-until.js';

const SIGNING_SECRET = 'e2e-canary-replicas-secret';
const CHANNEL = 'C0RATIO';
const ERRORS = 'job:error_ratio{service="cart"}';

/** No Gateway controller: each service's one Service selects stable and canary pods (`traffic: { service }`). */
const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
  production:
    cluster: emulator
    checklist: ratio
  live:
    cluster: emulator
    checklist: guarded-ratio
services:
  web:
    namespace: shop
    deployment: web
    container: web
    image: registry.example.com/acme/web
    environments: [production]
    traffic: { service: web }
  cart:
    namespace: shop
    deployment: cart
    container: cart
    image: registry.example.com/acme/cart
    environments: [live]
    traffic: { service: cart }
  api:
    namespace: shop
    deployment: api
    container: api
    image: registry.example.com/acme/api
    environments: [production]
    traffic: { service: api }
`;

const WEIGHTS = [5, 25, 50, 100] as const;

/** One phase per weight, each opened by a box, so the test reads the cluster after every step before the next. */
const RATIO = `
name: ratio
phases:
  - id: canary
    title: Canary
    items:
      - { id: canary, kind: step, action: canary, replicas: match-stable, timeout: 20s }
${[...WEIGHTS, 'promote']
  .map(
    (w) => `  - id: before-${w}
    title: Before ${w}
    items:
      - { id: go-${w}, kind: manual, title: Go on to ${w} }
      - ${w === 'promote' ? '{ id: promote, kind: step, action: promote, timeout: 20s }' : `{ id: t${w}, kind: step, action: traffic, weight: ${w} }`}`,
  )
  .join('\n')}
`;

const guarded = (prometheusUrl: string) => `
name: guarded-ratio
phases:
  - id: canary
    title: Canary
    items:
      - { id: canary, kind: step, action: canary, timeout: 20s }
      - { id: t50, kind: step, action: traffic, weight: 50 }
      - { id: bake, kind: step, action: bake, duration: 30m }
      - { id: promote, kind: step, action: promote, timeout: 20s }
guards:
  - id: errors
    title: Error rate
    probe: { type: prometheus, url: '${prometheusUrl}', query: '${ERRORS}', above: 0.05 }
    for: 2s
    interval: 1s
    action: rollback
`;

let world: E2eWorld;
let prometheus: PrometheusEmulator;
let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let driver: SlackDriver;
let store: RunStore;

function service(name: string, selector: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector, ports: [{ port: 80, targetPort: 8080 }] } };
}

async function deploy(text: string): Promise<string> {
  const response = await driver.slashCommand({ command: '/deploy', text, userId: 'U0ALICE', channelId: CHANNEL });
  const match = /Run #(\d+)/.exec(replyText(response));
  expect(match, replyText(response)).not.toBeNull();
  return match![1]!;
}

const settle = (id: string, states: readonly string[]): Promise<Run> => waitForRunState(store, id, states);
const itemOf = (run: Run, id: string) => run.phases.flatMap((phase) => phase.items).find((item) => item.id === id)!;

/** What the emulator holds: each Deployment's spec.replicas (and the canary's ready pods). */
function pods(name: string): { stable: number; canary: number; canaryReady: number } {
  const canary = k8s.get('deployments', 'shop', `${name}-canary`);
  return {
    stable: k8s.getDeployment('shop', name).spec.replicas as number,
    canary: (canary?.spec.replicas as number | undefined) ?? 0,
    canaryReady: (canary?.status?.readyReplicas as number | undefined) ?? 0,
  };
}

/** Waits for `step` to be done and its box to be tickable, returns the step's detail, leaves the box open. */
async function stepDone(id: string, step: string): Promise<{ detail: string; messageTs: string }> {
  const run = await waitUntil(`step ${step} of run ${id}`, async () => {
    const current = await store.get(id);
    if (current && !['running', 'waiting', 'pending'].includes(current.state)) throw new Error(`run ${id} ended ${current.state}: ${JSON.stringify(current.reason)}`);
    return current?.messageTs && itemOf(current, step).state === 'done' ? current : undefined;
  });
  return { detail: itemOf(run, step).detail ?? '', messageTs: run.messageTs! };
}

async function tick(messageTs: string, box: string): Promise<void> {
  const actionId = `item.tick.${box}`;
  await slack.waitFor((state) => listButtons(state.message(CHANNEL, messageTs)!.blocks).some((b) => b.actionId === actionId) || undefined, 10_000, `a ${actionId} button`);
  expect((await driver.clickButton({ userId: 'U0ALICE', channelId: CHANNEL, messageTs, actionId })).status).toBe(200);
}

/** Every (stable, canary) pair the Deployments' specs went through, from the writes the emulator received. */
function replicaHistory(name: string, start: { stable: number; canary: number }): Array<{ stable: number; canary: number }> {
  const history = [start];
  for (const request of k8s.requests) {
    const body = request.body as { spec?: { replicas?: number } } | undefined;
    const replicas = body?.spec?.replicas;
    if (replicas === undefined || (request.method !== 'PATCH' && request.method !== 'POST')) continue;
    const last = history.at(-1)!;
    if (request.method === 'PATCH' && request.path.endsWith(`/deployments/${name}`)) history.push({ ...last, stable: replicas });
    else if (request.path.endsWith(`/deployments/${name}-canary`) || (request.method === 'POST' && (request.body as { metadata?: { name?: string } }).metadata?.name === `${name}-canary`)) {
      history.push({ ...last, canary: replicas });
    }
  }
  return history;
}

describe('a canary without a Gateway controller: pod counts behind one Service', () => {
  beforeAll(async () => {
    prometheus = await startPrometheusEmulator();
    world = await startE2eWorld({
      mode: 'http',
      catalog: CATALOG,
      checklists: { ratio: RATIO, 'guarded-ratio': guarded(prometheus.url) },
      signingSecret: SIGNING_SECRET,
      kubernetes: { readyDelayMs: 100 },
      slack: { channels: [CHANNEL] },
      beforeStart: ({ k8s: emulator }) => {
        emulator.seedDeployment({ namespace: 'shop', name: 'web', container: 'web', image: 'registry.example.com/acme/web:v1', replicas: 4 });
        emulator.seedDeployment({ namespace: 'shop', name: 'cart', container: 'cart', image: 'registry.example.com/acme/cart:v1', replicas: 3 });
        emulator.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1', replicas: 2 });
        emulator.create('services', 'shop', service('web', { app: 'web' }));
        emulator.create('services', 'shop', service('cart', { app: 'cart' }));
        // Selects only pods labelled stable: a canary's pods would never get traffic.
        emulator.create('services', 'shop', service('api', { app: 'api', track: 'stable' }));
      },
    });
    ({ slack, driver, store, k8s } = world);
  });

  afterAll(async () => {
    await prometheus?.close();
    expect(await world?.stop()).toBe(0);
  });

  it('splits pods at 5/25/50/100 (labelled approximate), never below the stable\'s 4, and promotes to 4 stable pods', async () => {
    const id = await deploy('web v2 to production');
    const started = await stepDone(id, 'canary');
    expect(pods('web')).toEqual({ stable: 4, canary: 1, canaryReady: 1 });
    expect(started.detail).toContain('web-canary created with `registry.example.com/acme/web:v2` (1 replica)');
    expect(started.detail).toContain('≈20% (1 of 5 pods) to web-canary behind Service web, web keeps 4 replicas');
    expect(k8s.getDeployment('shop', 'web-canary').spec.template.metadata.labels).toEqual({ app: 'web', track: 'canary' });
    await tick(started.messageTs, 'go-5');

    const expected = {
      5: { stable: 4, canary: 1, label: '≈20% (1 of 5 pods)' },
      25: { stable: 3, canary: 1, label: '≈25% (1 of 4 pods)' },
      50: { stable: 2, canary: 2, label: '≈50% (2 of 4 pods)' },
      100: { stable: 0, canary: 4, label: '≈100% (4 of 4 pods)' },
    };
    for (const weight of WEIGHTS) {
      const { detail, messageTs } = await stepDone(id, `t${weight}`);
      const want = expected[weight];
      expect(pods('web'), `at ${weight}%`).toEqual({ stable: want.stable, canary: want.canary, canaryReady: want.canary });
      expect(detail).toBe(`${want.label} to web-canary for a weight of ${weight}%: web-canary ${want.canary}, web ${want.stable} behind Service web`);
      await tick(messageTs, `go-${WEIGHTS[WEIGHTS.indexOf(weight) + 1] ?? 'promote'}`);
    }

    const done = await settle(id, ['succeeded', 'failed', 'error', 'rolled-back', 'rollback-failed']);
    expect(done.state, JSON.stringify(done.reason)).toBe('succeeded');
    const stable = k8s.getDeployment('shop', 'web');
    expect(stable.spec.template.spec.containers[0].image).toBe('registry.example.com/acme/web:v2');
    expect(pods('web')).toEqual({ stable: 4, canary: 0, canaryReady: 0 });
    expect(stable.status.readyReplicas).toBe(4);
    expect(itemOf(done, 'promote').detail).toContain('web back to 4 replicas');

    // Scale-ups come before scale-downs, so the pods never number fewer than the stable had.
    const history = replicaHistory('web', { stable: 4, canary: 0 });
    expect(history.filter((pair, i) => i === 0 || JSON.stringify(pair) !== JSON.stringify(history[i - 1]))).toEqual([
      { stable: 4, canary: 0 },
      { stable: 4, canary: 1 },
      { stable: 3, canary: 1 },
      { stable: 3, canary: 2 },
      { stable: 2, canary: 2 },
      { stable: 2, canary: 4 },
      { stable: 0, canary: 4 },
      { stable: 4, canary: 4 },
      { stable: 4, canary: 0 },
    ]);
    for (const pair of history) expect(pair.stable + pair.canary).toBeGreaterThanOrEqual(4);
  });

  it('a guard breach at 50% rolls back: the stable gets its 3 pods back before the canary goes to zero', async () => {
    prometheus.setQueryResult(ERRORS, 0.01);
    const id = await deploy('cart v2 to live');
    await waitUntil('the bake', async () => {
      const run = await store.get(id);
      return run && itemOf(run, 'bake').state === 'running' ? run : undefined;
    });
    expect(pods('cart')).toEqual({ stable: 2, canary: 2, canaryReady: 2 });

    prometheus.setQueryResult(ERRORS, 0.3);
    const undone = await settle(id, ['rolled-back', 'rollback-failed', 'error', 'succeeded']);
    expect(undone.state, JSON.stringify(undone.reason)).toBe('rolled-back');
    const stable = k8s.getDeployment('shop', 'cart');
    expect(stable.spec.template.spec.containers[0].image).toBe('registry.example.com/acme/cart:v1');
    expect(stable.spec.replicas).toBe(3);
    expect(stable.status.readyReplicas).toBe(3);
    expect(pods('cart')).toMatchObject({ stable: 3, canary: 0 });
    const rollback = (await store.get(undone.rollbackRunId!))!;
    expect(rollback.phases[0]!.items.map((item) => `${item.id}:${item.state}`)).toEqual(['restore-traffic:done', 'rollback:done', 'wait-rollout:done']);
    expect(itemOf(rollback, 'restore-traffic').detail).toMatch(/^cart back to 3 replicas; .*; cart-canary scaled to 0$/);
    const history = replicaHistory('cart', { stable: 3, canary: 0 });
    expect(history.at(-2)).toEqual({ stable: 3, canary: 2 });
    for (const pair of history) expect(pair.stable + pair.canary).toBeGreaterThanOrEqual(3);
  });

  it('refuses a Service that would not send the canary any traffic, before creating anything', async () => {
    const id = await deploy('api v2 to production');
    const ended = await settle(id, ['error', 'failed', 'succeeded', 'rolled-back', 'rollback-failed']);
    expect(itemOf(ended, 'canary').detail ?? JSON.stringify(ended.reason)).toContain('service shop/api (selector app=api,track=stable) does not select both the stable and the canary pods');
    expect(k8s.get('deployments', 'shop', 'api-canary')).toBeUndefined();
  });
});
