import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { createClusterAccess, type ClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { setImage } from '../../src/k8s/set-image.js';
import { waitForRollout } from '../../src/k8s/wait-for-rollout.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { createQueues, type Queues } from '../../src/queue/engine/create-queues.js';
import { stepJobId } from '../../src/queue/engine/job-schemas.js';
import { reconcileRuns } from '../../src/queue/engine/reconcile-runs.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import type { RunningWorkers } from '../../src/queue/engine/start-workers.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { transition } from '../../src/run/core/transition.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { waitUntil } from '../support/wait-until.js';
import { deleteKeys } from '../support/delete-keys.js';
import { startSilentWorkers } from './engine-harness.js';

/*
 * What becomes of a step whose worker died: BullMQ hands the job on however often that happens, a step whose
 * job is gone is enqueued again by one reconcile pass, and a rollout wait that starts after its deadline
 * (the job sat with dead workers) still sees a rollout that has finished.
 */

const NS = 'shop';
const CONTEXT = 'emu';
const ENDED = ['succeeded', 'failed', 'error', 'rolling-back', 'rolled-back', 'rollback-failed'];
const logger = createLogger('silent');

let emu: KubernetesEmulator;
let clusters: ClusterAccess;
let redis: Redis;
let connection: Redis;
let prefix: string;
let store: RunStore;
let queues: Queues;
/** Milliseconds added to the real clock, so a test can move the engine's time past a step's deadline. */
let skewMs: number;
const now = () => Date.now() + skewMs;
let engine: RunEngine;
let workers: RunningWorkers | undefined;

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 60, tickMs: 10 });
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'step-recovery-')), 'kubeconfig');
  emu.writeKubeconfig(kubeconfig, CONTEXT);
  clusters = createClusterAccess({ kubeconfigPath: kubeconfig });
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  prefix = `it-recovery-${randomBytes(4).toString('hex')}`;
  store = new RunStore(redis, prefix);
  queues = createQueues(redis, prefix);
  skewMs = 0;
  engine = new RunEngine({ store, queues, now, logger });
  workers = undefined;
});

afterEach(async () => {
  await workers?.close();
  await queues.close();
  await deleteKeys(redis, `{${prefix}}*`);
  redis.disconnect();
  connection.disconnect();
  await emu.close();
});

/** Real workers on every queue; `reconcileEveryMs` long enough that only the pass at start-up happens. */
function start(options: { lockDurationMs?: number; reconcileEveryMs?: number } = {}): void {
  workers = startSilentWorkers(
    { connection, redis, prefix, store, engine, queues, clusters, logger, now },
    { reconcileEveryMs: options.reconcileEveryMs ?? 3_600_000, ...(options.lockDurationMs ? { lockDurationMs: options.lockDurationMs } : {}) },
  );
}

/** A started deploy run of set-image + wait-rollout; its first step's job is queued, no worker runs yet. */
async function startRun(name: string): Promise<Run> {
  emu.seedDeployment({ namespace: NS, name, container: name, image: `reg/${name}:1.0.0`, replicas: 2, progressDeadlineSeconds: 30 });
  const checklist = checklistSchema.parse({
    name: 'recovery',
    phases: [
      {
        id: 'rollout',
        title: 'Rollout',
        items: [
          { id: 'set-image', kind: 'step', action: 'set-image' },
          { id: 'wait', kind: 'step', action: 'wait-rollout', timeout: '120s' },
        ],
      },
    ],
  });
  const target = { cluster: CONTEXT, namespace: NS, deployment: name, container: name, image: `reg/${name}:2.0.0` };
  const run = createRun(
    { id: await store.nextRunId(), service: name, environment: 'production', version: '2.0.0', target, requestedBy: 'U0ALICE', channel: 'C0DEPLOY', checklist },
    now(),
  );
  const started = transition(run, { type: 'start', actor: 'U0ALICE' }, now());
  const created = await store.create(started.run, started.audit);
  if (!created.created) throw new Error(`lock held by run ${created.holder.id}`);
  await engine.dispatch(created.run, started.effects);
  return created.run;
}

async function settle(id: string, timeoutMs = 20_000): Promise<Run> {
  return waitUntil(`run ${id} to end`, async () => {
    const run = await store.get(id);
    return run && ENDED.includes(run.state) ? run : undefined;
  }, timeoutMs);
}

const imagePatches = (name: string) => emu.requests.filter((r) => r.method === 'PATCH' && r.path === `/apis/apps/v1/namespaces/${NS}/deployments/${name}`);
const itemOf = (run: Run, id: string) => run.phases.flatMap((phase) => phase.items).find((item) => item.id === id);

describe('a step whose worker died', () => {
  it('runs again however many times its job stalled before, without waiting for the reconciler', async () => {
    const run = await startRun('cart');
    const jobId = stepJobId(run, 'set-image');
    // Ten workers have died holding this job already (BullMQ counts stalls in the job hash), and an eleventh takes it
    // now and dies too: it never renews the lock, so the lock expires and the job stalls once more.
    await redis.hset(`${queues.prefix}:steps:${jobId}`, 'stc', '10');
    const doomed = new Worker('steps', null, { connection: redis, prefix: queues.prefix, autorun: false, lockDuration: 1000 });
    expect((await doomed.getNextJob('doomed-worker', { block: false }))?.id).toBe(jobId);
    await doomed.close(true);

    start({ lockDurationMs: 1000 });
    const done = await settle(run.id);

    expect(done.state).toBe('succeeded');
    expect(done.rollbackTarget?.image).toBe('reg/cart:1.0.0');
    expect(imagePatches('cart')).toHaveLength(1);
  });

  it('is enqueued again by one reconcile pass when its job is gone, and the run ends once', async () => {
    const run = await startRun('pay');
    const jobId = stepJobId(run, 'set-image');
    // The job vanished (failed and removed, or never enqueued by a process that died after committing the run).
    await (await queues.steps.getJob(jobId))?.remove();
    expect(await queues.steps.getJob(jobId)).toBeUndefined();

    start();
    const done = await settle(run.id);

    expect(done.state).toBe('succeeded');
    expect(imagePatches('pay')).toHaveLength(1);
    expect((await store.audit(run.id)).filter((entry) => entry.action === 'run.succeeded')).toHaveLength(1);
    // Reconciling an ended run enqueues no step again.
    await reconcileRuns(store, engine, logger, { redis, keyPrefix: prefix });
    expect(await queues.steps.getJob(jobId)).toBeUndefined();
  });

  it('is enqueued again at start-up when its run was stored by a version that kept no reconcile-due index', async () => {
    const run = await startRun('tax');
    await (await queues.steps.getJob(stepJobId(run, 'set-image')))?.remove();
    await redis.del(`{${prefix}}:reconcile-due`);

    start();
    const done = await settle(run.id);

    expect(done.state).toBe('succeeded');
    expect(imagePatches('tax')).toHaveLength(1);
  });

  it('that waits for a rollout and runs after its deadline succeeds when the rollout has finished', async () => {
    const run = await startRun('feed');
    // The image step ran on a worker that then died: the patch reached the cluster and the step was recorded.
    const ref = { namespace: NS, deployment: 'feed', container: 'feed' };
    const client = clusters.forContext(CONTEXT);
    await setImage(client, ref, 'reg/feed:2.0.0', 'run');
    await engine.apply(run.id, { type: 'step-succeeded', itemId: 'set-image', detail: 'image set' });
    await waitForRollout(client, ref, { deadline: Date.now() + 15_000, now: Date.now });
    // The wait's job then sat with dying workers until long after its 120 s timeout.
    skewMs = 10 * 60_000;

    start();
    const done = await settle(run.id);

    expect(done.state).toBe('succeeded');
    expect(itemOf(done, 'wait')?.detail).toBe('deployment "feed" successfully rolled out');
  });
});

describe('waitForRollout past its deadline', () => {
  const ref = { namespace: NS, deployment: 'web', container: 'web' };
  const late = () => ({ deadline: Date.now() - 1, now: Date.now });

  it('reports a rollout that has already finished', async () => {
    emu.seedDeployment({ namespace: NS, name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 2 });
    const client = clusters.forContext(CONTEXT);
    await setImage(client, ref, 'reg/web:2.0.0', 'run');
    await waitForRollout(client, ref, { deadline: Date.now() + 15_000, now: Date.now });

    expect((await waitForRollout(client, ref, late())).message).toBe('deployment "web" successfully rolled out');
  });

  it('still times out on a rollout that has not finished', async () => {
    const slow = await startKubernetesEmulator({ readyDelayMs: 60_000, tickMs: 10 });
    try {
      slow.seedDeployment({ namespace: NS, name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 2 });
      const kubeconfig = join(mkdtempSync(join(tmpdir(), 'step-recovery-slow-')), 'kubeconfig');
      slow.writeKubeconfig(kubeconfig, CONTEXT);
      const client = createClusterAccess({ kubeconfigPath: kubeconfig }).forContext(CONTEXT);
      await setImage(client, ref, 'reg/web:2.0.0', 'run');

      const err = await waitForRollout(client, ref, late()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FlightdeckError);
      expect((err as FlightdeckError).code).toBe('rollout-timeout');
    } finally {
      await slow.close();
    }
  });
});
