import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrefix, STEPS_QUEUE } from '../../src/queue/engine/create-queues.js';
import { stepJobId } from '../../src/queue/engine/job-schemas.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { listButtons, SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { startFlightdeckProcess, type FlightdeckProcess } from '../support/flightdeck-process.js';
import { waitUntil } from '../support/wait-until.js';
import { E2E_CATALOG, E2E_CHECKLIST } from './fixtures.js';

const SIGNING_SECRET = 'shutdown-signing-secret';
const CHANNEL = 'C0DEPLOY';

let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let kubeconfig: string;
let redis: Redis;
const processes: FlightdeckProcess[] = [];

async function startProcess(redisPrefix?: string): Promise<FlightdeckProcess> {
  const started = await startFlightdeckProcess({
    slackApiUrl: slack.apiUrl,
    botToken: slack.token,
    signingSecret: SIGNING_SECRET,
    kubeconfigPath: kubeconfig,
    catalog: E2E_CATALOG,
    checklists: { release: E2E_CHECKLIST },
    env: redisPrefix ? { REDIS_PREFIX: redisPrefix } : {},
  });
  processes.push(started);
  return started;
}

/** Ticks every open button of the run's message until `done` says the run got far enough. */
async function tickUntil(driver: SlackDriver, messageTs: string, what: string, done: () => Promise<boolean>): Promise<void> {
  const clicked = new Set<string>();
  await waitUntil(
    what,
    async () => {
      if (await done()) return true;
      const button = listButtons(slack.message(CHANNEL, messageTs)?.blocks ?? []).find(
        // Only the checklist's own items: the run controls (pause, abort…) would change what is being tested.
        (b) => b.actionId.startsWith('item.') && !clicked.has(b.value ?? ''),
      );
      if (button) {
        clicked.add(button.value ?? '');
        await driver.clickButton({ userId: 'U0BOB', channelId: CHANNEL, messageTs, actionId: button.actionId, value: button.value });
      }
      return undefined;
    },
    60_000,
  );
}

beforeAll(async () => {
  slack = await startSlackEmulator({ channels: [CHANNEL] });
  // Slow pods keep the rollout wait busy long enough to signal the worker in the middle of it, even on a loaded
  // machine where seeing the wait start and the SIGTERM taking effect take seconds (2.5 s a pod was once too short).
  k8s = await startKubernetesEmulator({ readyDelayMs: 6000 });
  k8s.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.0.0', replicas: 3 });
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-kube-')), 'kubeconfig');
  k8s.writeKubeconfig(kubeconfig, 'emulator');
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
});

afterAll(async () => {
  for (const running of processes) await running.stop('SIGKILL');
  const prefix = processes[0]?.redisPrefix;
  const keys = prefix ? await redis.keys(`{${prefix}}*`) : [];
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  await slack?.close();
  await k8s?.close();
});

describe('SIGTERM', () => {
  it('stops a busy worker cleanly, hands its step back, and another process finishes the run', async () => {
    const first = await startProcess();
    const store = new RunStore(redis, first.redisPrefix);
    const driver = new SlackDriver({ appUrl: first.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });
    const response = await driver.slashCommand({ command: '/deploy', text: 'api v2.0.0 to production', userId: 'U0ALICE', channelId: CHANNEL });
    const runId = /Run #(\d+)/.exec(JSON.stringify(response.json ?? response.body))?.[1];
    expect(runId).toBeDefined();
    const posted = await slack.waitFor((state) => state.messages(CHANNEL)[0], 15_000, 'the run message');

    // Busy: the image is patched and the rollout wait is watching the Deployment.
    await tickUntil(driver, posted.ts, 'the rollout wait to start', async () => {
      const run = await store.get(runId!);
      const items = run?.phases.flatMap((phase) => phase.items) ?? [];
      return items.some((item) => item.id === 'set-image' && item.state === 'done') && items.some((item) => item.id === 'wait' && item.state === 'running');
    });

    const code = await first.stop('SIGTERM');
    expect(code, first.output()).toBe(0);
    const output = first.output();
    expect(output).toContain('"msg":"shutting down"');
    expect(output).toContain('"msg":"stopped"');
    // It stopped in the middle: the rollout wait did not finish in the stopping process.
    expect(output).not.toMatch(/"item":"wait"[^\n]*"msg":"step succeeded"/);
    expect((await store.get(runId!))?.state).toBe('running');
    // Handed back, not lost: the step's job is queued for another worker rather than held by the dead one.
    const steps = new Queue(STEPS_QUEUE, { connection: redis, prefix: queuePrefix(first.redisPrefix) });
    const state = await (await steps.getJob(stepJobId((await store.get(runId!))!, 'wait')))?.getState();
    await steps.close();
    expect(['waiting', 'delayed', 'prioritized']).toContain(state);
    // Every connection was closed: the process exited on its own (no forced exit is logged).
    expect(output).not.toContain('shutdown did not finish in time');
    // No credential reached the log, even at debug level.
    expect(output).not.toContain(SIGNING_SECRET);
    expect(output).not.toContain(slack.token);

    const second = await startProcess(first.redisPrefix);
    await tickUntil(
      new SlackDriver({ appUrl: second.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack }),
      posted.ts,
      'the run to finish in the second process',
      async () => (await store.get(runId!))?.state === 'succeeded',
    );
    // The image was patched once: the handed-back step converged instead of starting over.
    const patches = k8s.requests.filter((request) => request.method === 'PATCH' && request.path.endsWith('/deployments/api'));
    expect(patches).toHaveLength(1);
    expect(k8s.getDeployment('shop', 'api').spec.template.spec.containers[0].image).toBe('registry.example.com/acme/api:v2.0.0');
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
