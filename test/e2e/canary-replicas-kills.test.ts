import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/run/core/run-schema.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { deleteKeys } from '../support/delete-keys.js';
import { startFlightdeckProcess, type FlightdeckProcess, type FlightdeckProcessOptions } from '../support/flightdeck-process.js';
import { replyText } from '../support/reply-text.js';
import { waitUntil } from '../support/wait-until.js';

const SIGNING_SECRET = 'e2e-canary-replicas-kills-secret';
const CHANNEL = 'C0RKILLS';
const REPO = 'registry.example.com/acme/web';

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
  production:
    cluster: emulator
    checklist: canary
  live:
    cluster: emulator
    checklist: slow-canary
services:
  web:
    namespace: shop
    deployment: web
    container: web
    image: ${REPO}
    environments: [production]
    traffic: { service: web }
  cart:
    namespace: shop
    deployment: cart
    container: cart
    image: registry.example.com/acme/cart
    environments: [live]
    traffic: { service: cart }
`;

/** Every replica-mode step, each long enough (slow pods, 3 s bakes) to be killed inside. */
const CHECKLIST = `
name: canary
phases:
  - id: canary
    title: Canary
    items:
      - { id: canary, kind: step, action: canary, replicas: match-stable, timeout: 60s }
      - { id: t50, kind: step, action: traffic, weight: 50 }
      - { id: bake50, kind: step, action: bake, duration: 3s }
      - { id: t100, kind: step, action: traffic, weight: 100 }
      - { id: bake100, kind: step, action: bake, duration: 3s }
      - { id: promote, kind: step, action: promote, timeout: 60s }
`;

/** A bake long enough to abort in, so the rollback's restore-traffic step can be killed. */
const SLOW_CHECKLIST = `
name: slow-canary
phases:
  - id: canary
    title: Canary
    items:
      - { id: canary, kind: step, action: canary, timeout: 60s }
      - { id: t50, kind: step, action: traffic, weight: 50 }
      - { id: bake, kind: step, action: bake, duration: 30m }
      - { id: promote, kind: step, action: promote, timeout: 60s }
`;

const STEPS = ['canary', 't50', 'bake50', 't100', 'bake100', 'promote'];
const ENDED = ['succeeded', 'failed', 'error', 'rolling-back', 'rolled-back', 'rollback-failed'];

let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let current: FlightdeckProcess | undefined;
let redis: Redis;
let store: RunStore;
let options: FlightdeckProcessOptions;
const prefix = `e2e-canary-replicas-kills-${randomBytes(4).toString('hex')}`;

/*
 * The replica-mode canary (no Gateway controller) under the kills of canary-kills.test.ts: whenever a step is
 * running its worker is SIGKILLed and a fresh one started on the same Redis, so creating the canary, each
 * scaling of the stable and the canary, and the promotion are interrupted and re-run from what the cluster
 * holds (the stable's count recorded on the canary).
 */
describe('a replica-mode canary whose worker is killed inside every step', () => {
  beforeAll(async () => {
    slack = await startSlackEmulator({ channels: [CHANNEL] });
    k8s = await startKubernetesEmulator({ readyDelayMs: 2500 });
    k8s.seedDeployment({ namespace: 'shop', name: 'web', container: 'web', image: `${REPO}:v1`, replicas: 3 });
    k8s.seedDeployment({ namespace: 'shop', name: 'cart', container: 'cart', image: 'registry.example.com/acme/cart:v1', replicas: 3 });
    for (const name of ['web', 'cart']) k8s.create('services', 'shop', { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-canary-replicas-kills-')), 'kubeconfig');
    k8s.writeKubeconfig(kubeconfig, 'emulator');
    options = {
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: kubeconfig,
      catalog: CATALOG,
      checklists: { canary: CHECKLIST, 'slow-canary': SLOW_CHECKLIST },
      // A short job lock so each new process takes over the dead one's step within seconds.
      env: { REDIS_PREFIX: prefix, WORKER_LOCK_MS: '1500' },
    };
    current = await startFlightdeckProcess(options);
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    store = new RunStore(redis, prefix);
  });

  afterAll(async () => {
    const code = current && current.child.signalCode === null ? await current.stop() : undefined;
    if (redis) await deleteKeys(redis, `{${prefix}}*`);
    redis?.disconnect();
    await slack?.close();
    await k8s?.close();
    expect(code).toBe(0);
  });

  it('converges: every scaling made in order and once in effect, pods never below the stable\'s 3, promoted to 3 stable pods', async () => {
    const driver = new SlackDriver({ appUrl: current!.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });
    const response = await driver.slashCommand({ command: '/deploy', text: 'web v2 to production', userId: 'U0ALICE', channelId: CHANNEL });
    const id = /Run #(\d+)/.exec(replyText(response))?.[1];
    expect(id, replyText(response)).toBeDefined();

    const killedIn: string[] = [];
    let target: Run['rollbackTarget'];
    for (const step of STEPS) {
      const state = await waitUntil(`step ${step} to start or finish`, async () => {
        const run = await store.get(id!);
        if (!run) return undefined;
        if (ENDED.includes(run.state)) return 'run-ended';
        const item = run.phases.flatMap((phase) => phase.items).find((candidate) => candidate.id === step);
        target ??= run.rollbackTarget;
        return item && item.state !== 'pending' ? item.state : undefined;
      }, 60_000);
      if (state !== 'running') continue;
      // Inside the step: for the slow ones, after it has started acting on the cluster.
      await new Promise((settle) => setTimeout(settle, 300));
      await current!.stop('SIGKILL');
      killedIn.push(step);
      current = await startFlightdeckProcess(options);
    }

    const done = await waitUntil('the run to end', async () => {
      const run = await store.get(id!);
      return run && ENDED.includes(run.state) ? run : undefined;
    }, 90_000);
    expect(done.state, JSON.stringify(done.reason)).toBe('succeeded');
    // Every step is slow enough to be caught running: the traffic steps wait for new pods, which take 2.5 s.
    expect(killedIn).toEqual(STEPS);

    // Replayed from the writes the emulator took: a re-run step may send a scaling again, never a different one.
    const history = [{ stable: 3, canary: 0 }];
    for (const request of k8s.requests) {
      const body = request.body as { metadata?: { name?: string }; spec?: { replicas?: number } } | undefined;
      const replicas = body?.spec?.replicas;
      if (replicas === undefined) continue;
      const last = history.at(-1)!;
      if (request.method === 'PATCH' && request.path.endsWith('/deployments/web')) history.push({ ...last, stable: replicas });
      else if ((request.method === 'PATCH' && request.path.endsWith('/deployments/web-canary')) || (request.method === 'POST' && body?.metadata?.name === 'web-canary')) {
        history.push({ ...last, canary: replicas });
      }
    }
    for (const pair of history) expect(pair.stable + pair.canary, JSON.stringify(history)).toBeGreaterThanOrEqual(3);
    expect(history.filter((pair, i) => i === 0 || JSON.stringify(pair) !== JSON.stringify(history[i - 1]))).toEqual([
      { stable: 3, canary: 0 },
      { stable: 3, canary: 1 },
      { stable: 3, canary: 2 },
      { stable: 2, canary: 2 },
      { stable: 2, canary: 3 },
      { stable: 0, canary: 3 },
      { stable: 3, canary: 3 },
      { stable: 3, canary: 0 },
    ]);
    expect(k8s.list('deployments', 'shop').filter((d) => d.metadata.name === 'web-canary')).toHaveLength(1);
    const stable = k8s.getDeployment('shop', 'web');
    expect(stable.spec.template.spec.containers[0].image).toBe(`${REPO}:v2`);
    expect(stable.spec.replicas).toBe(3);
    expect(stable.status.readyReplicas).toBe(3);
    expect(k8s.getDeployment('shop', 'web-canary').spec.replicas).toBe(0);
    expect(k8s.listReplicaSets('shop').filter((rs) => rs.metadata.ownerReferences?.[0]?.name === 'web')).toHaveLength(2);
    expect(done.rollbackTarget).toEqual(target);
    expect(done.rollbackTarget).toMatchObject({ image: `${REPO}:v1` });

    const audit = (await store.audit(id!)).map((entry) => `${entry.action} ${entry.detail.split(':')[0]}`);
    for (const step of STEPS) expect(audit.filter((line) => line === `step.succeeded ${step}`), step).toHaveLength(1);
    expect(audit.filter((line) => line.startsWith('run.succeeded'))).toHaveLength(1);

    const message = await waitUntil('the final message', () => {
      const posted = done.messageTs ? slack.message(CHANNEL, done.messageTs) : undefined;
      return posted?.blocks.some((block) => block.block_id === 'outcome') ? posted : undefined;
    });
    expect(JSON.stringify(message.blocks)).toContain('Succeeded');
    expect(slack.messages(CHANNEL)).toHaveLength(1);
  }, 240_000);

  it('a rollback killed while it gives the stable its pods back converges: 3 stable v1 pods, the canary at zero', async () => {
    const driver = () => new SlackDriver({ appUrl: current!.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });
    const response = await driver().slashCommand({ command: '/deploy', text: 'cart v2 to live', userId: 'U0ALICE', channelId: CHANNEL });
    const id = /Run #(\d+)/.exec(replyText(response))?.[1];
    expect(id, replyText(response)).toBeDefined();
    const baking = await waitUntil('the bake', async () => {
      const run = await store.get(id!);
      return run?.messageTs && run.phases[0]!.items.find((item) => item.id === 'bake')?.state === 'running' ? run : undefined;
    }, 60_000);
    const pods = () => ({ stable: k8s.getDeployment('shop', 'cart').spec.replicas as number, canary: k8s.getDeployment('shop', 'cart-canary').spec.replicas as number });
    expect(pods()).toEqual({ stable: 2, canary: 2 });

    const click = await driver().clickButton({ userId: 'U0ALICE', channelId: CHANNEL, messageTs: baking.messageTs!, actionId: 'run.abort', value: id! });
    expect(click.status).toBe(200);
    // Aborting may ask for confirmation first.
    await waitUntil('the abort to land', async () => {
      const run = await store.get(id!);
      if (run && run.state !== 'running' && run.state !== 'waiting') return true;
      const dialog = slack.openViews('U0ALICE').find((view) => view.open);
      if (dialog) await driver().viewSubmission({ userId: 'U0ALICE', viewId: dialog.id });
      return undefined;
    }, 30_000);
    const rollbackId = await waitUntil('the rollback run', async () => (await store.get(id!))?.rollbackRunId, 30_000);
    const restoring = await waitUntil('restore-traffic to start', async () => {
      const item = (await store.get(rollbackId))?.phases[0]!.items.find((candidate) => candidate.id === 'restore-traffic');
      return item && item.state !== 'pending' ? item.state : undefined;
    }, 30_000);
    // It waits for a new stable pod (2.5 s), so it is caught running.
    expect(restoring).toBe('running');
    await new Promise((settle) => setTimeout(settle, 300));
    await current!.stop('SIGKILL');
    current = await startFlightdeckProcess(options);

    const undone = await waitUntil('the rollback to end', async () => {
      const run = await store.get(id!);
      return run && ['rolled-back', 'rollback-failed', 'error'].includes(run.state) ? run : undefined;
    }, 90_000);
    expect(undone.state, JSON.stringify(undone.reason)).toBe('rolled-back');
    const stable = k8s.getDeployment('shop', 'cart');
    expect(stable.spec.template.spec.containers[0].image).toBe('registry.example.com/acme/cart:v1');
    expect(pods()).toEqual({ stable: 3, canary: 0 });
    expect(stable.status.readyReplicas).toBe(3);
    const rollback = (await store.get(rollbackId))!;
    expect(rollback.phases[0]!.items.map((item) => `${item.id}:${item.state}`)).toEqual(['restore-traffic:done', 'rollback:done', 'wait-rollout:done']);
    const audit = (await store.audit(rollbackId)).map((entry) => `${entry.action} ${entry.detail.split(':')[0]}`);
    expect(audit.filter((line) => line === 'step.succeeded restore-traffic')).toHaveLength(1);
    // The canary went to zero only after the stable was back at 3: no write ever left fewer than 3 pods.
    const writes = k8s.requests.filter((r) => r.method === 'PATCH' && /\/deployments\/cart(-canary)?$/.test(r.path) && (r.body as { spec?: { replicas?: number } }).spec?.replicas !== undefined);
    const last = writes.map((r) => `${r.path.endsWith('-canary') ? 'cart-canary' : 'cart'}=${(r.body as { spec: { replicas: number } }).spec.replicas}`);
    expect(last.slice(-2)).toEqual(['cart=3', 'cart-canary=0']);
  }, 240_000);
});
