import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/run/core/run-schema.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import type { KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { startPrometheusEmulator, type PrometheusEmulator } from '../../sandbox/prometheus/index.js';
import type { SlackDriver } from '../../sandbox/slack/index.js';
import { replyText } from '../support/reply-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitForRunState } from '../support/wait-for-run-state.js';
import { waitUntil } from '../support/wait-until.js';

const CHANNEL = 'C0BLUE';
const NS = 'shop';
const repo = (name: string) => `registry.example.com/acme/${name}`;
const ERROR_RATE = 'job:error_ratio{service="api"}';

/*
 * Issue 14, item 1. `web` switches its active Service's selector, `cart` an HTTPRoute's weights; `api` is
 * guarded and breaches after its switch. Durations are shortened by the checklist's own keys: a 3 s
 * `scaleDownDelay` here stands for the default 30 minutes.
 */
const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
  production:
    cluster: emulator
    checklist: blue-green
  live:
    cluster: emulator
    checklist: blue-green-guarded
services:
  web:
    namespace: ${NS}
    deployment: web
    container: web
    image: ${repo('web')}
    environments: [production]
    blueGreen: { activeService: web, previewService: web-preview }
  cart:
    namespace: ${NS}
    deployment: cart
    container: cart
    image: ${repo('cart')}
    environments: [production]
    blueGreen: { activeService: cart, previewService: cart-preview, route: cart }
  api:
    namespace: ${NS}
    deployment: api
    container: api
    image: ${repo('api')}
    environments: [live]
    blueGreen: { activeService: api, previewService: api-preview }
`;

const BLUE_GREEN = `
name: blue-green
phases:
  - id: release
    title: Blue-green
    items:
      - { id: preview, kind: step, action: preview, timeout: 30s }
      - id: smoke
        kind: step
        action: smoke-job
        image: registry.example.com/acme/smoke:1
        env: { TARGET: "http://{{service}}-preview.${NS}.svc" }
        timeout: 30s
      - { id: switch, kind: step, action: switch }
      - { id: scale-down, kind: step, action: scale-down, scaleDownDelay: 3s, timeout: 30s }
`;

const guarded = (prometheusUrl: string) => `
name: blue-green-guarded
phases:
  - id: release
    title: Blue-green
    items:
      - { id: preview, kind: step, action: preview, timeout: 30s }
      - { id: switch, kind: step, action: switch }
      - { id: scale-down, kind: step, action: scale-down, timeout: 30s }
guards:
  - id: error-rate
    title: Error rate
    probe: { type: prometheus, url: ${prometheusUrl}, query: '${ERROR_RATE}', above: 0.05 }
    for: 1s
    interval: 1s
    action: rollback
`;

let world: E2eWorld;
let k8s: KubernetesEmulator;
let driver: SlackDriver;
let store: RunStore;
let prometheus: PrometheusEmulator;

function seed(emu: KubernetesEmulator, name: string, route: boolean): void {
  emu.seedDeployment({ namespace: NS, name, container: name, image: `${repo(name)}:v1`, replicas: 3 });
  for (const service of [name, `${name}-preview`]) {
    emu.create('services', NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: service }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } });
  }
  if (route) {
    emu.create('httproutes', NS, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name },
      spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name, port: 80 }] }] },
    });
  }
}

async function deploy(text: string): Promise<string> {
  const response = await driver.slashCommand({ command: '/deploy', text, userId: 'U0ALICE', channelId: CHANNEL });
  const id = /Run #(\d+)/.exec(replyText(response))?.[1];
  expect(id, replyText(response)).toBeDefined();
  return id!;
}

const selector = (name: string) => k8s.get('services', NS, name)!.spec.selector as Record<string, string>;
const annotations = (name: string) => (k8s.get('services', NS, name)!.metadata.annotations ?? {}) as Record<string, string>;
const image = (name: string) => k8s.getDeployment(NS, name).spec.template.spec.containers[0].image as string;
const replicas = (name: string) => k8s.getDeployment(NS, name).spec.replicas as number;
const item = (run: Run, id: string) => run.phases.flatMap((phase) => phase.items).find((candidate) => candidate.id === id);
/** flightdeck's writes to the cluster, in order: `PATCH services/web`, `POST deployments`, … */
const writes = () =>
  k8s.requests
    .filter((r) => r.method !== 'GET' && r.attributes?.namespace === NS)
    .map((r) => ({ what: `${r.method} ${r.attributes?.resource}${r.attributes?.name ? `/${r.attributes.name}` : ''}`, body: r.body as { spec?: { selector?: Record<string, string | null> } } }));

/** The old version's ReplicaSet hash: what the active Service is pinned to while the preview exists. */
const oldHash = (name: string) =>
  k8s.listReplicaSets(NS).find((rs) => rs.metadata.ownerReferences?.[0]?.name === name && rs.spec.template.spec.containers[0].image === `${repo(name)}:v1`)!.metadata.labels['pod-template-hash'] as string;

describe('blue-green deployments', () => {
  beforeAll(async () => {
    prometheus = await startPrometheusEmulator();
    prometheus.setQueryResult(ERROR_RATE, 0.01);
    world = await startE2eWorld({
      mode: 'http',
      catalog: CATALOG,
      checklists: { 'blue-green': BLUE_GREEN, 'blue-green-guarded': guarded(prometheus.url) },
      kubernetes: { readyDelayMs: 100 },
      slack: { channels: [CHANNEL] },
      beforeStart: ({ k8s: emu }) => {
        seed(emu, 'web', false);
        seed(emu, 'cart', true);
        seed(emu, 'api', false);
      },
    });
    ({ k8s, driver, store } = world);
  });

  afterAll(async () => {
    await prometheus?.close();
    expect(await world?.stop()).toBe(0);
  });

  it('brings up a full-size preview, switches the active Service in one write, keeps the old version until the scale-down, then promotes', async () => {
    const id = await deploy('web v2 to production');
    // While the scale-down waits out its delay: traffic on the preview, the old version still scaled.
    const waiting = await waitUntil('the scale-down delay', async () => {
      const run = await store.get(id);
      if (!run || item(run, 'scale-down')?.state !== 'running' || image('web') !== `${repo('web')}:v1`) return undefined;
      return { active: selector('web'), preview: selector('web-preview'), previewReplicas: replicas('web-preview'), oldReplicas: replicas('web') };
    });
    expect(waiting).toEqual({ active: { app: 'web', track: 'preview' }, preview: { app: 'web', track: 'preview' }, previewReplicas: 3, oldReplicas: 3 });
    expect(k8s.getDeployment(NS, 'web-preview').spec.template.spec.containers[0].image).toBe(`${repo('web')}:v2`);
    expect(k8s.list('jobs', NS)[0]!.spec.template.spec.containers[0].env).toContainEqual({ name: 'TARGET', value: `http://web-preview.${NS}.svc` });

    const done = await waitForRunState(store, id, ['succeeded', 'failed', 'error', 'rolled-back']);
    expect(done.state, JSON.stringify(done.reason)).toBe('succeeded');
    expect(image('web')).toBe(`${repo('web')}:v2`);
    expect(replicas('web-preview')).toBe(0);
    expect(selector('web')).toEqual({ app: 'web' });
    expect(Object.keys(annotations('web')).filter((key) => key.startsWith('flightdeck.dev/'))).toEqual([]);

    // The active Service: pinned to the old pods before the preview existed, switched in one write, returned after the promotion.
    const hash = oldHash('web');
    const order = writes().filter((w) => w.what === 'PATCH services/web' || w.what === 'POST deployments' || w.what === 'PATCH deployments/web');
    expect(order.map((w) => w.what)).toEqual(['PATCH services/web', 'POST deployments', 'PATCH services/web', 'PATCH deployments/web', 'PATCH services/web']);
    expect(order.map((w) => w.body.spec?.selector)).toEqual([
      { app: 'web', 'pod-template-hash': hash },
      // The preview selects only its own pods.
      { matchLabels: { app: 'web', track: 'preview' } },
      { app: 'web', track: 'preview', 'pod-template-hash': null },
      undefined,
      { app: 'web', track: null },
    ]);
  });

  it('with an HTTPRoute, switches the weights 0/100 and returns them 100/0 after the scale-down', async () => {
    const id = await deploy('cart v2 to production');
    const done = await waitForRunState(store, id, ['succeeded', 'failed', 'error', 'rolled-back']);
    expect(done.state, JSON.stringify(done.reason)).toBe('succeeded');
    const weights = k8s.requests
      .filter((r) => r.method === 'PATCH' && r.path.endsWith('/httproutes/cart'))
      .map((r) => (r.body as { spec: { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> } }).spec.rules[0]!.backendRefs.map((b) => `${b.name}=${b.weight}`).join(' '));
    expect(weights).toEqual(['cart=0 cart-preview=100', 'cart=100 cart-preview=0']);
    expect(image('cart')).toBe(`${repo('cart')}:v2`);
    expect(replicas('cart-preview')).toBe(0);
    expect(selector('cart')).toEqual({ app: 'cart' });
  });

  it('a breach after the switch sends traffic back to the old version first, then scales the preview down', async () => {
    const id = await deploy('api v2 to live');
    await waitUntil('the switch, with the old version kept', async () => {
      const run = await store.get(id);
      return run && item(run, 'switch')?.state === 'done' && item(run, 'scale-down')?.state === 'running' ? run : undefined;
    });
    expect(selector('api')).toEqual({ app: 'api', track: 'preview' });
    expect(replicas('api')).toBe(3);
    const before = writes().length;

    prometheus.setQueryResult(ERROR_RATE, 0.2);
    const undone = await waitForRunState(store, id, ['rolled-back', 'rollback-failed', 'error', 'succeeded']);
    expect(undone.state, JSON.stringify(undone.reason)).toBe('rolled-back');
    expect(undone.breaches).toMatchObject([{ guardId: 'error-rate', action: 'rollback' }]);
    const rollback = await store.get(undone.rollbackRunId!);
    expect(rollback?.phases[0]!.items.map((step) => `${step.id}:${step.state}`)).toEqual(['switch-back:done', 'retire-preview:done', 'rollback:done', 'wait-rollout:done']);
    // The switch back is a step of its own, so its recorded end is when traffic was back (the figure `npm run bench` would time).
    const [switchBack, retire] = rollback!.phases[0]!.items;
    expect(switchBack!.at).toBeGreaterThanOrEqual(undone.breaches[0]!.at);
    expect(retire!.startedAt).toBeGreaterThanOrEqual(switchBack!.at!);

    // The first write after the breach is the switch back to the old pods, before the preview is touched.
    const after = writes().slice(before);
    expect(after[0]).toEqual({ what: 'PATCH services/api', body: expect.objectContaining({ spec: { selector: { app: 'api', track: null, 'pod-template-hash': oldHash('api') } } }) });
    expect(after.map((w) => w.what)).toEqual(['PATCH services/api', 'PATCH deployments/api-preview', 'PATCH services/api']);
    // Nothing lost: the old version never stopped running, and the Service is as it was before the run.
    expect(image('api')).toBe(`${repo('api')}:v1`);
    expect(replicas('api')).toBe(3);
    expect(replicas('api-preview')).toBe(0);
    expect(selector('api')).toEqual({ app: 'api' });
  });
});
