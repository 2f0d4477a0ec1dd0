import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/run/core/run-schema.js';
import { runRef } from '../../src/run/core/run-ref.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { startFlightdeckProcess, type FlightdeckProcess } from '../support/flightdeck-process.js';
import { replyText } from '../support/reply-text.js';
import { waitForRunState } from '../support/wait-for-run-state.js';

const SIGNING_SECRET = 'restore-signing-secret';
const CHANNEL = 'C0DEPLOY';
const SMOKE_IMAGE = 'registry.example.com/acme/smoke:1';
const PREFIX = `e2e-restore-${process.pid}`;

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
  staging:
    cluster: emulator
    checklist: smoke
services:
  web:
    namespace: shop
    deployment: web
    container: web
    image: registry.example.com/acme/web
    environments: [staging]
`;

const SMOKE = `
name: smoke
phases:
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 20s }
      - { id: smoke, kind: step, action: smoke-job, image: ${SMOKE_IMAGE}, command: [/smoke], timeout: 20s }
`;

let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let kubeconfig: string;
let redis: Redis;
let store: RunStore;
const processes: FlightdeckProcess[] = [];

async function startProcess(): Promise<FlightdeckProcess> {
  const started = await startFlightdeckProcess({
    slackApiUrl: slack.apiUrl,
    botToken: slack.token,
    signingSecret: SIGNING_SECRET,
    kubeconfigPath: kubeconfig,
    catalog: CATALOG,
    checklists: { smoke: SMOKE },
    env: { REDIS_PREFIX: PREFIX },
  });
  processes.push(started);
  return started;
}

async function deploy(flightdeck: FlightdeckProcess, version: string): Promise<string> {
  const driver = new SlackDriver({ appUrl: flightdeck.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });
  const response = await driver.slashCommand({ command: '/deploy', text: `web ${version} to staging`, userId: 'U0ALICE', channelId: CHANNEL });
  const id = /Run #(\d+)/.exec(replyText(response))?.[1];
  expect(id, replyText(response)).toBeDefined();
  return id!;
}

/** Every key under the prefix (runs, counter, locks, audit, queues), with its remaining time to live. */
async function snapshot(): Promise<Array<{ key: string; ttl: number; value: Buffer }>> {
  const taken: Array<{ key: string; ttl: number; value: Buffer }> = [];
  for (const key of await redis.keys(`{${PREFIX}}*`)) {
    const [ttl, value] = [await redis.pttl(key), await redis.dumpBuffer(key)];
    // A key that expired between KEYS and DUMP (a lock, a marker) is not in the snapshot.
    if (value !== null) taken.push({ key, ttl: Math.max(0, ttl), value });
  }
  return taken;
}

async function restore(keys: Array<{ key: string; ttl: number; value: Buffer }>): Promise<void> {
  const now = await redis.keys(`{${PREFIX}}*`);
  if (now.length > 0) await redis.del(...now);
  for (const { key, ttl, value } of keys) await redis.restore(key, ttl, value);
}

const smokeJobs = () => k8s.list('jobs', 'shop').map((job) => ({ name: String(job.metadata.name), run: String(job.metadata.labels['flightdeck.dev/run']), succeeded: job.status?.succeeded ?? 0 }));
const smokeDetail = (run: Run) => run.phases[0]!.items.find((item) => item.id === 'smoke')?.detail ?? '';

beforeAll(async () => {
  slack = await startSlackEmulator({ channels: [CHANNEL] });
  k8s = await startKubernetesEmulator({ readyDelayMs: 100 });
  k8s.seedDeployment({ namespace: 'shop', name: 'web', container: 'web', image: 'registry.example.com/acme/web:v1', replicas: 2 });
  k8s.jobOutcome({ image: SMOKE_IMAGE }, { succeed: true, logs: ['smoke: ok'] });
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-kube-')), 'kubeconfig');
  k8s.writeKubeconfig(kubeconfig, 'emulator');
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  store = new RunStore(redis, PREFIX);
});

afterAll(async () => {
  for (const running of processes) await running.stop('SIGKILL');
  const keys = await redis.keys(`{${PREFIX}}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  await slack?.close();
  await k8s?.close();
});

describe('Redis restored from an older snapshot', () => {
  it('a run that gets a reused id runs its own smoke Job instead of adopting the one of the run that had the id before', async () => {
    const before = await startProcess();
    const first = await deploy(before, 'v2');
    expect((await waitForRunState(store, first, ['succeeded', 'failed', 'error', 'rolled-back'])).state).toBe('succeeded');
    const taken = await snapshot();

    const lostId = await deploy(before, 'v3');
    const lost = await waitForRunState(store, lostId, ['succeeded', 'failed', 'error', 'rolled-back']);
    expect(lost.state).toBe('succeeded');
    expect(await before.stop()).toBe(0);

    // Redis comes back from the snapshot: run #1 is there, run #2 and its counter value are gone; its Job is not.
    await restore(taken);
    expect(await store.get(lostId)).toBeNull();
    expect(smokeJobs()).toHaveLength(2);
    // A smoke Job of the new run would fail: adopting the lost run's succeeded Job is the only way to pass.
    k8s.jobOutcome({ image: SMOKE_IMAGE }, { succeed: false, logs: ['smoke: the new release answers 503'] });

    const after = await startProcess();
    const reusedId = await deploy(after, 'v4');
    expect(reusedId).toBe(lostId);
    const reused = await waitForRunState(store, reusedId, ['succeeded', 'error', 'rolled-back', 'rollback-failed']);
    expect(reused.uid).toBeDefined();
    expect(reused.uid).not.toBe(lost.uid);
    expect(reused.state, smokeDetail(reused)).toBe('rolled-back');
    expect(smokeDetail(reused)).toContain('smoke: the new release answers 503');
    expect(smokeDetail(reused)).not.toContain('(reused)');

    const jobs = smokeJobs();
    expect(jobs.map((job) => job.name).sort()).toEqual(
      [`web-smoke-${runRef(await waitForRunState(store, first, ['succeeded']))}-smoke`, `web-smoke-${runRef(lost)}-smoke`, `web-smoke-${runRef(reused)}-smoke`].sort(),
    );
    // Both runs #2 have a Job labelled with their id; the lost run's Job is as it left it.
    expect(jobs.filter((job) => job.run === lostId)).toHaveLength(2);
    expect(jobs.find((job) => job.name === `web-smoke-${runRef(lost)}-smoke`)?.succeeded).toBe(1);
    expect(await after.stop()).toBe(0);
  }, 150_000);
});
