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

const SIGNING_SECRET = 'e2e-canary-kills-secret';
const CHANNEL = 'C0KILLS';
const REPO = 'registry.example.com/acme/web';

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
  production:
    cluster: emulator
    checklist: canary
services:
  web:
    namespace: shop
    deployment: web
    container: web
    image: ${REPO}
    environments: [production]
    traffic: { route: web, stableService: web, canaryService: web-canary }
`;

/** Every kind of Kubernetes step, each long enough (slow pods, 3 s bakes, a 3 s Job) to be killed inside. */
const CHECKLIST = `
name: canary
phases:
  - id: canary
    title: Canary
    items:
      - { id: canary, kind: step, action: canary, replicas: 1, timeout: 60s }
      - { id: t5, kind: step, action: traffic, weight: 5 }
      - { id: bake5, kind: step, action: bake, duration: 3s }
      - id: smoke
        kind: step
        action: smoke-job
        image: registry.example.com/acme/smoke:1
        command: [/smoke, "{{version}}"]
        timeout: 60s
      - { id: t50, kind: step, action: traffic, weight: 50 }
      - { id: bake50, kind: step, action: bake, duration: 3s }
      - { id: t100, kind: step, action: traffic, weight: 100 }
      - { id: promote, kind: step, action: promote, timeout: 60s }
`;

const STEPS = ['canary', 't5', 'bake5', 'smoke', 't50', 'bake50', 't100', 'promote'];
const ENDED = ['succeeded', 'failed', 'error', 'rolling-back', 'rolled-back', 'rollback-failed'];

let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let current: FlightdeckProcess | undefined;
let redis: Redis;
let store: RunStore;
let options: FlightdeckProcessOptions;
const prefix = `e2e-canary-kills-${randomBytes(4).toString('hex')}`;

/*
 * Issue 4: a worker SIGKILLed in the middle of any step is replaced and the run converges. One process at a
 * time serves the run; whenever a step is running it is killed and a fresh one started on the same Redis,
 * so every step of a canary (create canary, shift traffic, bake, smoke Job, promote) is interrupted once.
 */
describe('a canary whose worker is killed inside every step', () => {
  beforeAll(async () => {
    slack = await startSlackEmulator({ channels: [CHANNEL] });
    k8s = await startKubernetesEmulator({ readyDelayMs: 2500 });
    k8s.seedDeployment({ namespace: 'shop', name: 'web', container: 'web', image: `${REPO}:v1`, replicas: 2 });
    k8s.create('httproutes', 'shop', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web' },
      spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
    });
    k8s.jobOutcome({ image: 'registry.example.com/acme/smoke:1' }, { succeed: true, logs: ['ok'], runMs: 3000 });
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-canary-kills-')), 'kubeconfig');
    k8s.writeKubeconfig(kubeconfig, 'emulator');
    options = {
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: kubeconfig,
      catalog: CATALOG,
      checklists: { canary: CHECKLIST },
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

  it('converges: each change made once, traffic back on stable, one Job, target kept, audit and message complete', async () => {
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
    // The slow steps are always caught running; a traffic patch may be over before the poll sees it.
    expect(killedIn).toEqual(expect.arrayContaining(['canary', 'bake5', 'smoke', 'bake50', 'promote']));

    // A step re-run by the next process may send its patch again, but never a different one, and never out of order.
    const routePatches = k8s.requests
      .filter((r) => r.method === 'PATCH' && r.path.endsWith('/httproutes/web'))
      .map((r) => (r.body as { spec: { rules: Array<{ backendRefs: Array<{ weight: number }> }> } }).spec.rules[0]!.backendRefs.map((b) => b.weight).join('/'));
    expect(routePatches.filter((w, i) => w !== routePatches[i - 1])).toEqual(['95/5', '50/50', '0/100', '100/0']);
    const route = k8s.get('httproutes', 'shop', 'web')!.spec.rules[0].backendRefs as Array<{ name: string; weight?: number }>;
    expect(route.map((b) => `${b.name}=${b.weight}`)).toEqual(['web=100', 'web-canary=0']);
    const stable = k8s.getDeployment('shop', 'web');
    expect(stable.spec.template.spec.containers[0].image).toBe(`${REPO}:v2`);
    expect(k8s.getDeployment('shop', 'web-canary').spec.replicas).toBe(0);
    expect(k8s.list('jobs', 'shop')).toHaveLength(1);
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
});
