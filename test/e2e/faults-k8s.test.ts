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
import { startFlightdeckProcess, type FlightdeckProcess, type FlightdeckProcessOptions } from '../support/flightdeck-process.js';
import { waitUntil } from '../support/wait-until.js';

const SIGNING_SECRET = 'e2e-faults-secret';
const CHANNEL = 'C0FAULTS';
const REPO = 'registry.example.com/acme/billing';

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
  production:
    cluster: emulator
    checklist: quick
services:
  billing:
    namespace: shop
    deployment: billing
    container: billing
    image: ${REPO}
    environments: [production]
`;

const CHECKLIST = `
name: quick
phases:
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 60s }
`;

let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let first: FlightdeckProcess;
let second: FlightdeckProcess | undefined;
let redis: Redis;
let store: RunStore;
let options: FlightdeckProcessOptions;
const prefix = `e2e-kill-${randomBytes(4).toString('hex')}`;

describe('a worker killed in the middle of a step', () => {
  beforeAll(async () => {
    slack = await startSlackEmulator({ channels: [CHANNEL] });
    // Slow pods keep the rollout wait going long enough to kill the worker inside it.
    k8s = await startKubernetesEmulator({ readyDelayMs: 3000 });
    k8s.seedDeployment({ namespace: 'shop', name: 'billing', container: 'billing', image: `${REPO}:v1`, replicas: 2 });
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-kill-')), 'kubeconfig');
    k8s.writeKubeconfig(kubeconfig, 'emulator');
    options = {
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: kubeconfig,
      catalog: CATALOG,
      checklists: { quick: CHECKLIST },
      // A short job lock so the survivor takes over the dead worker's step within seconds.
      env: { REDIS_PREFIX: prefix, WORKER_LOCK_MS: '1500' },
    };
    first = await startFlightdeckProcess(options);
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    store = new RunStore(redis, prefix);
  });

  afterAll(async () => {
    // stop() waits for an exit; a process already killed has exited (signalCode set, exitCode still null).
    if (first && first.child.signalCode === null && first.child.exitCode === null) await first.stop('SIGKILL');
    const code = await second?.stop();
    const keys = await redis?.keys(`{${prefix}}*`);
    if (keys && keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    await slack?.close();
    await k8s?.close();
    expect(code).toBe(0);
  });

  it('is picked up by another process and converges: one image patch, the pinned target kept, message and audit complete', async () => {
    const driver = new SlackDriver({ appUrl: first.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });
    const response = await driver.slashCommand({ command: '/deploy', text: 'billing v2 to production', userId: 'U0ALICE', channelId: CHANNEL });
    const id = /Run #(\d+)/.exec((response.json as { text?: string } | undefined)?.text ?? response.body)![1]!;

    await waitUntil('the rollout wait to be watching', async () => {
      const run = await store.get(id);
      const watching = k8s.requests.some((r) => r.path.endsWith('/deployments') && r.query.watch !== undefined);
      return run?.phases[0]!.items[1]!.state === 'running' && watching ? true : undefined;
    });
    await first.stop('SIGKILL');
    second = await startFlightdeckProcess(options);

    const done = await waitUntil('the run to finish on the survivor', async () => {
      const run = await store.get(id);
      return run && ['succeeded', 'failed', 'error', 'rolled-back'].includes(run.state) ? run : undefined;
    }, 40_000) as Run;
    expect(done.state, JSON.stringify(done.reason)).toBe('succeeded');

    const patches = k8s.requests.filter((r) => r.method === 'PATCH' && r.path === '/apis/apps/v1/namespaces/shop/deployments/billing');
    expect(patches).toHaveLength(1);
    expect(done.rollbackTarget).toMatchObject({ revision: '1', image: `${REPO}:v1` });
    expect(k8s.getDeployment('shop', 'billing').spec.template.spec.containers[0].image).toBe(`${REPO}:v2`);

    const audit = (await store.audit(id)).map((entry) => `${entry.action} ${entry.detail.split(':')[0]}`);
    expect(audit.filter((line) => line === 'step.succeeded wait')).toHaveLength(1);
    expect(audit.filter((line) => line.startsWith('rollback-target.recorded'))).toHaveLength(1);
    expect(audit).toContain('run.succeeded billing v2 to production');

    const message = await waitUntil('the final message', () => {
      const posted = done.messageTs ? slack.message(CHANNEL, done.messageTs) : undefined;
      return posted?.blocks.some((block) => block.block_id === 'outcome') ? posted : undefined;
    });
    expect(JSON.stringify(message.blocks)).toContain('Succeeded');
    expect(slack.messages(CHANNEL)).toHaveLength(1);
  });
});
