import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/run/store/run-store.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { deleteKeys } from '../support/delete-keys.js';
import { startFlightdeckProcess, type FlightdeckProcess, type FlightdeckProcessOptions } from '../support/flightdeck-process.js';
import { replyText } from '../support/reply-text.js';
import { waitUntil } from '../support/wait-until.js';

const SIGNING_SECRET = 'e2e-blue-green-kills-secret';
const CHANNEL = 'C0BGKILL';
const REPO = 'registry.example.com/acme/web';

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
  production:
    cluster: emulator
    checklist: blue-green
services:
  web:
    namespace: shop
    deployment: web
    container: web
    image: ${REPO}
    environments: [production]
    blueGreen: { activeService: web, previewService: web-preview }
`;

/** The bake gives the test time to slow down the switch's write before the switch starts. */
const CHECKLIST = `
name: blue-green
phases:
  - id: release
    title: Blue-green
    items:
      - { id: preview, kind: step, action: preview, timeout: 60s }
      - { id: bake, kind: step, action: bake, duration: 3s }
      - { id: switch, kind: step, action: switch }
      - { id: scale-down, kind: step, action: scale-down, scaleDownDelay: 2s, timeout: 60s }
`;

const STEPS = ['preview', 'bake', 'switch', 'scale-down'];
const ENDED = ['succeeded', 'failed', 'error', 'rolling-back', 'rolled-back', 'rollback-failed'];

let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let current: FlightdeckProcess | undefined;
let redis: Redis;
let store: RunStore;
let options: FlightdeckProcessOptions;
const prefix = `e2e-blue-green-kills-${randomBytes(4).toString('hex')}`;

/*
 * Issue 14: a worker SIGKILLed while its switch's write is in flight (the API server answers it 4 s late and
 * applies it anyway, as a real one may) is replaced; the next worker runs the switch again and the run
 * converges with every change made once.
 */
describe('a blue-green run whose worker is killed mid-switch', () => {
  beforeAll(async () => {
    slack = await startSlackEmulator({ channels: [CHANNEL] });
    k8s = await startKubernetesEmulator({ readyDelayMs: 100 });
    k8s.seedDeployment({ namespace: 'shop', name: 'web', container: 'web', image: `${REPO}:v1`, replicas: 2 });
    for (const name of ['web', 'web-preview']) {
      k8s.create('services', 'shop', { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    }
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-blue-green-kills-')), 'kubeconfig');
    k8s.writeKubeconfig(kubeconfig, 'emulator');
    options = {
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: kubeconfig,
      catalog: CATALOG,
      checklists: { 'blue-green': CHECKLIST },
      // A short job lock so the new process takes over the dead one's step within seconds.
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

  it('resumes: the active Service pinned, switched and returned in that order, the preview created once, nothing lost', async () => {
    const driver = new SlackDriver({ appUrl: current!.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });
    const response = await driver.slashCommand({ command: '/deploy', text: 'web v2 to production', userId: 'U0ALICE', channelId: CHANNEL });
    const id = /Run #(\d+)/.exec(replyText(response))?.[1];
    expect(id, replyText(response)).toBeDefined();
    const stateOf = async (step: string) => (await store.get(id!))?.phases[0]!.items.find((item) => item.id === step)?.state;

    await waitUntil('the bake before the switch', async () => ((await stateOf('bake')) === 'running' ? true : undefined), 60_000);
    const switchWrites = () => k8s.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/services/web')).length;
    const pinned = switchWrites();
    expect(pinned).toBe(1);
    k8s.delayNext(1, 4000, { method: 'PATCH', pathIncludes: '/services/web' });
    // The switch's write has reached the API server, which holds it: kill the worker that sent it.
    await waitUntil('the switch to send its write', () => (switchWrites() > pinned ? true : undefined), 60_000);
    expect(await stateOf('switch')).toBe('running');
    await current!.stop('SIGKILL');
    current = await startFlightdeckProcess(options);

    const done = await waitUntil('the run to end', async () => {
      const run = await store.get(id!);
      return run && ENDED.includes(run.state) ? run : undefined;
    }, 90_000);
    expect(done.state, JSON.stringify(done.reason)).toBe('succeeded');
    expect(k8s.pendingFaults().delays).toBe(0);

    // Each selector sent is one of the three the run means, in order: pinned, switched (maybe twice), returned.
    const selectors = k8s.requests
      .filter((r) => r.method === 'PATCH' && r.path.endsWith('/services/web'))
      .map((r) => JSON.stringify((r.body as { spec: { selector: Record<string, string | null> } }).spec.selector));
    const distinct = selectors.filter((s, i) => s !== selectors[i - 1]);
    expect(distinct.map((s) => (s.includes('"track":"preview"') ? 'switch' : s.includes('"track":null') ? 'return' : 'pin'))).toEqual(['pin', 'switch', 'return']);
    expect(k8s.get('services', 'shop', 'web')!.spec.selector).toEqual({ app: 'web' });
    expect(k8s.getDeployment('shop', 'web').spec.template.spec.containers[0].image).toBe(`${REPO}:v2`);
    expect(k8s.getDeployment('shop', 'web-preview').spec.replicas).toBe(0);
    expect(k8s.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/deployments'))).toHaveLength(1);

    const audit = (await store.audit(id!)).map((entry) => `${entry.action} ${entry.detail.split(':')[0]}`);
    for (const step of STEPS) expect(audit.filter((line) => line === `step.succeeded ${step}`), step).toHaveLength(1);
    expect(audit.filter((line) => line.startsWith('run.succeeded'))).toHaveLength(1);
  }, 240_000);
});
