import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/run/core/run-schema.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import type { KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import type { SlackDriver, SlackEmulator } from '../../sandbox/slack/index.js';
import { replyText } from '../support/reply-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitForRunState } from '../support/wait-for-run-state.js';
import { waitUntil } from '../support/wait-until.js';
import { shownText } from '../support/shown-text.js';

const SIGNING_SECRET = 'e2e-canary-secret';
const CHANNEL = 'C0WEB';
const REPO = 'registry.example.com/acme/web';

/** Two environments on two clusters: production canaries through an HTTPRoute, staging runs a smoke Job. */
const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
  production:
    cluster: east
    checklist: canary
  staging:
    cluster: west
    checklist: smoke
  live:
    cluster: east
    checklist: slow-canary
services:
  cart:
    namespace: shop
    deployment: cart
    container: cart
    image: registry.example.com/acme/cart
    environments: [live]
    traffic: { route: cart, stableService: cart, canaryService: cart-canary }
  web:
    namespace: shop
    deployment: web
    container: web
    image: ${REPO}
    environments: [production, staging]
    traffic: { route: web, stableService: web, canaryService: web-canary }
`;

const CANARY = `
name: canary
phases:
  - id: canary
    title: Canary
    items:
      - { id: canary, kind: step, action: canary, replicas: 1, timeout: 20s }
      - { id: t5, kind: step, action: traffic, weight: 5 }
      - { id: bake5, kind: step, action: bake, duration: 1s }
      - { id: t25, kind: step, action: traffic, weight: 25 }
      - { id: bake25, kind: step, action: bake, duration: 1s }
      - { id: t50, kind: step, action: traffic, weight: 50 }
      - { id: bake50, kind: step, action: bake, duration: 1s }
      - { id: t100, kind: step, action: traffic, weight: 100 }
      - { id: promote, kind: step, action: promote, timeout: 20s }
`;

const SMOKE = `
name: smoke
phases:
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 20s }
      - id: smoke
        kind: step
        action: smoke-job
        image: registry.example.com/acme/smoke:1
        command: [/smoke, "{{version}}"]
        timeout: 20s
`;

const SLOW_CANARY = `
name: slow-canary
phases:
  - id: canary
    title: Canary
    items:
      - { id: canary, kind: step, action: canary, replicas: 1, timeout: 20s }
      - { id: t25, kind: step, action: traffic, weight: 25 }
      - { id: bake, kind: step, action: bake, duration: 30m }
      - { id: promote, kind: step, action: promote }
`;

let world: E2eWorld;
let slack: SlackEmulator;
let east: KubernetesEmulator;
let west: KubernetesEmulator;
let driver: SlackDriver;
let store: RunStore;

function seed(emu: KubernetesEmulator, name = 'web', repository = REPO): void {
  emu.seedDeployment({ namespace: 'shop', name, container: name, image: `${repository}:v1`, replicas: 2, progressDeadlineSeconds: 3 });
  emu.create('httproutes', 'shop', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name },
    spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name, port: 8080 }] }] },
  });
}

async function deploy(text: string): Promise<string> {
  const response = await driver.slashCommand({ command: '/deploy', text, userId: 'U0ALICE', channelId: CHANNEL });
  const body = replyText(response);
  const match = /Run #(\d+)/.exec(body);
  expect(match, body).not.toBeNull();
  return match![1]!;
}

const settle = (id: string, states: readonly string[]): Promise<Run> => waitForRunState(store, id, states);

const weights = (emu: KubernetesEmulator, route = 'web') =>
  (emu.get('httproutes', 'shop', route)!.spec.rules[0].backendRefs as Array<{ name: string; weight?: number }>).map((b) => `${b.name}=${b.weight}`);
const image = (emu: KubernetesEmulator) => emu.getDeployment('shop', 'web').spec.template.spec.containers[0].image as string;

describe('canary and smoke Jobs on two clusters served by one flightdeck', () => {
  beforeAll(async () => {
    world = await startE2eWorld({
      mode: 'http',
      catalog: CATALOG,
      checklists: { canary: CANARY, smoke: SMOKE, 'slow-canary': SLOW_CANARY },
      signingSecret: SIGNING_SECRET,
      kubernetes: { readyDelayMs: 100 },
      contexts: ['east', 'west'],
      slack: { channels: [CHANNEL] },
      beforeStart: ({ clusters }) => {
        seed(clusters.east!);
        seed(clusters.west!);
        seed(clusters.east!, 'cart', 'registry.example.com/acme/cart');
        clusters.west!.jobOutcome({ image: 'registry.example.com/acme/smoke:1' }, { succeed: false, logs: ['checking /health: ok', 'checking /checkout: HTTP 503', 'FAIL 1 of 2'] });
      },
    });
    ({ slack, driver, store } = world);
    east = world.clusters.east!;
    west = world.clusters.west!;
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it('runs a 5/25/50/100 canary to success on one cluster while a smoke Job fails on the other', async () => {
    const canary = await deploy('web v2 to production');
    const smoke = await deploy('web v2 to staging');

    const promoted = await settle(canary, ['succeeded', 'failed', 'error', 'rolled-back']);
    expect(promoted.state, JSON.stringify(promoted.reason)).toBe('succeeded');
    const routePatches = east.requests
      .filter((r) => r.method === 'PATCH' && r.path.endsWith('/httproutes/web'))
      .map((r) => (r.body as { spec: { rules: Array<{ backendRefs: Array<{ weight: number }> }> } }).spec.rules[0]!.backendRefs.map((b) => b.weight).join('/'));
    expect(routePatches).toEqual(['95/5', '75/25', '50/50', '0/100', '100/0']);
    expect(weights(east)).toEqual(['web=100', 'web-canary=0']);
    expect(image(east)).toBe(`${REPO}:v2`);
    expect(east.getDeployment('shop', 'web-canary').spec.replicas).toBe(0);

    const undone = await settle(smoke, ['rolled-back', 'rollback-failed', 'error', 'succeeded']);
    expect(undone.state).toBe('rolled-back');
    expect(image(west)).toBe(`${REPO}:v1`);
    // Read afresh: Slack pacing may post the run message after the run has ended.
    const thread = await waitUntil('the smoke log in the thread', async () => {
      const messageTs = (await store.get(smoke))?.messageTs ?? '';
      const replies = slack.thread(CHANNEL, messageTs).map(shownText).join('\n');
      return replies.includes('FAIL 1 of 2') ? replies : undefined;
    });
    expect(thread).toContain('checking /checkout: HTTP 503');
    const job = west.list('jobs', 'shop')[0]!;
    expect(job.spec.template.spec.containers[0].command).toEqual(['/smoke', 'v2']);

    // Each cluster saw only its own environment's work.
    expect(west.requests.some((r) => r.path.includes('httproutes') && r.method === 'PATCH')).toBe(false);
    expect(east.list('jobs', 'shop')).toEqual([]);
  });

  it('an aborted canary returns all traffic to stable and scales the canary down', async () => {
    const id = await deploy('cart v2 to live');
    const baking = await waitUntil('the bake', async () => {
      const run = await store.get(id);
      return run?.messageTs && run.phases[0]!.items.find((item) => item.id === 'bake')?.state === 'running' ? run : undefined;
    });
    expect(weights(east, 'cart')).toEqual(['cart=75', 'cart-canary=25']);
    const click = await driver.clickButton({ userId: 'U0ALICE', channelId: CHANNEL, messageTs: baking.messageTs!, actionId: 'run.abort', value: id });
    expect(click.status).toBe(200);
    // Aborting may ask for confirmation first.
    await waitUntil('the abort to land', async () => {
      const run = await store.get(id);
      if (run && run.state !== 'running' && run.state !== 'waiting') return true;
      const dialog = slack.openViews('U0ALICE').find((view) => view.open);
      if (dialog) await driver.viewSubmission({ userId: 'U0ALICE', viewId: dialog.id });
      return undefined;
    });
    const undone = await settle(id, ['rolled-back', 'rollback-failed', 'error']);
    expect(undone.state).toBe('rolled-back');
    expect(weights(east, 'cart')).toEqual(['cart=100', 'cart-canary=0']);
    expect(east.getDeployment('shop', 'cart-canary').spec.replicas).toBe(0);
    expect(east.getDeployment('shop', 'cart').spec.template.spec.containers[0].image).toBe('registry.example.com/acme/cart:v1');
    const rollback = (await store.get(undone.rollbackRunId!))!;
    expect(rollback.phases[0]!.items.map((item) => `${item.id}:${item.state}`)).toEqual(['restore-traffic:done', 'rollback:done', 'wait-rollout:done']);
  });
});
