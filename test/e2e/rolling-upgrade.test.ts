import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_SCHEMA_VERSION } from '../../src/run/core/run-schema.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { listButtons, SlackDriver, startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { buildPreviousSchema, type PreviousBuild } from '../support/build-previous-schema.js';
import { startFlightdeckProcess, type FlightdeckProcess } from '../support/flightdeck-process.js';
import { replyText } from '../support/reply-text.js';
import { waitForRunState } from '../support/wait-for-run-state.js';
import { waitUntil } from '../support/wait-until.js';
import { E2E_CATALOG, E2E_CHECKLIST } from './fixtures.js';

const SIGNING_SECRET = 'upgrade-signing-secret';
const CHANNEL = 'C0DEPLOY';
const PREFIX = `e2e-upgrade-${process.pid}`;

let previous: PreviousBuild;
let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let kubeconfig: string;
let redis: Redis;
let store: RunStore;
const processes: FlightdeckProcess[] = [];

async function startProcess(cli?: string): Promise<FlightdeckProcess> {
  const started = await startFlightdeckProcess({
    slackApiUrl: slack.apiUrl,
    botToken: slack.token,
    signingSecret: SIGNING_SECRET,
    kubeconfigPath: kubeconfig,
    catalog: E2E_CATALOG,
    checklists: { release: E2E_CHECKLIST },
    env: { REDIS_PREFIX: PREFIX },
    ...(cli ? { cli } : {}),
  });
  processes.push(started);
  return started;
}

const driverOf = (flightdeck: FlightdeckProcess) => new SlackDriver({ appUrl: flightdeck.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });

/** Clicks "Done" on a manual item through one process, once its button shows in the run's message. */
async function tick(flightdeck: FlightdeckProcess, runId: string, itemId: string): Promise<void> {
  const actionId = `item.tick.${itemId}`;
  const messageTs = await waitUntil(`the ${itemId} button of run ${runId}`, async () => {
    const ts = (await store.get(runId))?.messageTs;
    const shown = ts ? listButtons(slack.message(CHANNEL, ts)?.blocks ?? []).some((button) => button.actionId === actionId) : false;
    return shown ? ts : undefined;
  }, 30_000);
  const response = await driverOf(flightdeck).clickButton({ userId: 'U0BOB', channelId: CHANNEL, messageTs, actionId });
  expect(response.status, response.body).toBe(200);
  await waitUntil(`${itemId} of run ${runId} to be done`, async () => {
    const run = await store.get(runId);
    return run?.phases.flatMap((phase) => phase.items).find((item) => item.id === itemId)?.state === 'done' ? true : undefined;
  });
}

const storedVersion = async (id: string) => (JSON.parse((await redis.hget(`{${PREFIX}}:run:${id}`, 'doc'))!) as { schemaVersion: number }).schemaVersion;

beforeAll(async () => {
  previous = buildPreviousSchema();
  slack = await startSlackEmulator({ channels: [CHANNEL] });
  k8s = await startKubernetesEmulator({ readyDelayMs: 200 });
  k8s.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.0.0', replicas: 2 });
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-kube-')), 'kubeconfig');
  k8s.writeKubeconfig(kubeconfig, 'emulator');
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  store = new RunStore(redis, PREFIX);
}, 300_000);

afterAll(async () => {
  for (const running of processes) await running.stop('SIGKILL');
  const keys = await redis.keys(`{${PREFIX}}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  await slack?.close();
  await k8s?.close();
});

describe(`a rolling upgrade from run schema ${RUN_SCHEMA_VERSION - 1}`, () => {
  it('a run begun by the previous version is carried on by a new process and the old one together, and both finish it', async () => {
    const old = await startProcess(previous.cli);
    const response = await driverOf(old).slashCommand({ command: '/deploy', text: 'api v1.1.0', userId: 'U0ALICE', channelId: CHANNEL });
    const id = /Run #(\d+)/.exec(replyText(response))?.[1];
    expect(id, replyText(response)).toBeDefined();
    await tick(old, id!, 'ci-green');
    // The previous version writes a run at the oldest version that holds it: below its own when the run uses nothing newer.
    const written = await storedVersion(id!);
    expect(written).toBeLessThanOrEqual(RUN_SCHEMA_VERSION - 1);

    // The new version starts beside the old one, on the same Redis, mid-run.
    const fresh = await startProcess();
    await tick(fresh, id!, 'notes');
    // The new process wrote it, and still at that version: the old one must go on reading it.
    expect(await storedVersion(id!)).toBe(written);
    await waitUntil('the rollout steps to finish', async () => {
      const run = await store.get(id!);
      return run?.phases.find((phase) => phase.id === 'verify')?.state === 'active' ? true : undefined;
    }, 60_000);
    await tick(old, id!, 'dashboards');

    const done = await waitForRunState(store, id!, ['succeeded', 'failed', 'error', 'aborted', 'rolled-back']);
    expect(done.state, JSON.stringify(done.reason)).toBe('succeeded');
    expect(k8s.getDeployment('shop', 'api').spec.template.spec.containers[0].image).toBe('registry.example.com/acme/api:v1.1.0');
    for (const flightdeck of [old, fresh]) {
      const history = replyText(await driverOf(flightdeck).slashCommand({ command: '/deploy', text: 'history api production', userId: 'U0ALICE', channelId: CHANNEL }));
      expect(history).toContain(`#${id}`);
      expect(flightdeck.output()).not.toMatch(/run schema version/);
    }
    expect(await old.stop()).toBe(0);
    expect(await fresh.stop()).toBe(0);
  }, 240_000);
});
