import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createClusterAccess, type ClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { setImage } from '../../src/k8s/set-image.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { createQueues, QUEUE_NAMES, type Queues } from '../../src/queue/engine/create-queues.js';
import { stepJobId } from '../../src/queue/engine/job-schemas.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import type { RunningWorkers } from '../../src/queue/engine/start-workers.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition } from '../../src/run/core/transition.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { deleteKeys } from '../support/delete-keys.js';
import { startHoldingProxy, type HoldingProxy } from '../support/holding-proxy.js';
import { waitUntil } from '../support/wait-until.js';
import { startSilentWorkers } from './engine-harness.js';

/*
 * A worker that is shutting down can still be handed a job by BullMQ: a blocking fetch that returned just before
 * close() began goes on to move the job to active. That job starts after the running ones were told to stop, and
 * it must be told too, or the shutdown waits for it (a whole rollout wait) and outlives the pod's grace period.
 * Once seen only under CI load (the e2e shutdown test's process killed after 15 s); here it is made to happen.
 */

const NS = 'shop';
const CONTEXT = 'emu';
const logger = createLogger('silent');

let emu: KubernetesEmulator;
let clusters: ClusterAccess;
let proxy: HoldingProxy;
let redis: Redis;
let connection: Redis;
let prefix: string;
let store: RunStore;
let queues: Queues;
let engine: RunEngine;
let workers: RunningWorkers | undefined;

beforeEach(async () => {
  // Pods that never become ready: a rollout wait that is not told to stop lasts its whole timeout.
  emu = await startKubernetesEmulator({ readyDelayMs: 3_600_000, tickMs: 10 });
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'worker-shutdown-')), 'kubeconfig');
  emu.writeKubeconfig(kubeconfig, CONTEXT);
  clusters = createClusterAccess({ kubeconfigPath: kubeconfig });
  proxy = await startHoldingProxy(6379);
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  // The workers' own connection (and the blocking ones BullMQ makes from it) go through the proxy.
  connection = new Redis({ host: '127.0.0.1', port: proxy.port, maxRetriesPerRequest: null });
  prefix = `it-shutdown-${randomBytes(4).toString('hex')}`;
  store = new RunStore(redis, prefix);
  queues = createQueues(redis, prefix);
  engine = new RunEngine({ store, queues, now: Date.now, logger });
  workers = undefined;
});

afterEach(async () => {
  proxy.release();
  await workers?.close();
  await queues.close();
  await deleteKeys(redis, `{${prefix}}*`);
  redis.disconnect();
  connection.disconnect();
  await proxy.close();
  await emu.close();
});

/** A started run whose only item waits for a rollout already under way (and never finishing); its job is queued. */
async function startWaitingRun(): Promise<Run> {
  emu.seedDeployment({ namespace: NS, name: 'api', container: 'api', image: 'reg/api:1.0.0', replicas: 2, progressDeadlineSeconds: 3600 });
  await setImage(clusters.forContext(CONTEXT), { namespace: NS, deployment: 'api', container: 'api' }, 'reg/api:2.0.0', 'run');
  const checklist = checklistSchema.parse({
    name: 'shutdown',
    phases: [{ id: 'rollout', title: 'Rollout', items: [{ id: 'wait', kind: 'step', action: 'wait-rollout', timeout: '600s' }] }],
  });
  const target = { cluster: CONTEXT, namespace: NS, deployment: 'api', container: 'api', image: 'reg/api:2.0.0' };
  const run = createRun(
    { id: await store.nextRunId(), service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U0ALICE', channel: 'C0DEPLOY', checklist },
    Date.now(),
  );
  const started = transition(run, { type: 'start', actor: 'U0ALICE' }, Date.now());
  const created = await store.create(started.run, started.audit);
  if (!created.created) throw new Error(`lock held by run ${created.holder.id}`);
  await engine.dispatch(created.run, started.effects);
  return created.run;
}

/** How many of the workers' connections Redis sees blocked waiting for a job. */
async function blockedFetches(): Promise<number> {
  const ours = new Set(proxy.upstreamPorts().map(String));
  const clients = ((await redis.call('CLIENT', 'LIST')) as string).split('\n');
  return clients.filter((line) => / cmd=bzpopmin /.test(line) && ours.has(/ addr=[^ ]*:(\d+) /.exec(line)?.[1] ?? '')).length;
}

describe('a worker shutting down', () => {
  it('tells a job it is handed after close() began to stop, hands it back and closes', async () => {
    // Rare stalled checks: nothing but the fetch below is sent while the proxy holds.
    workers = startSilentWorkers({ connection, redis, prefix, store, engine, queues, clusters, logger }, { concurrency: 2, reconcileEveryMs: 3_600_000, lockDurationMs: 60_000 });
    await waitUntil('every worker to wait for a job', async () => (await blockedFetches()) >= QUEUE_NAMES.length || undefined, 10_000);

    proxy.hold();
    const run = await startWaitingRun();
    // The steps worker's blocking fetch has returned; the command that moves the job to active waits in the proxy.
    await waitUntil('the steps worker to ask for the job', async () => proxy.held().includes(`${prefix}}:q:steps:wait`) || undefined, 10_000);
    const closing = workers.close();
    proxy.release();
    const closed = await Promise.race([closing.then(() => 'closed'), new Promise((resolve) => setTimeout(resolve, 20_000, 'still closing'))]);
    workers = undefined;

    expect(closed).toBe('closed');
    // The job did start, after the stop, and was handed back for another worker rather than finished or dropped.
    const job = await queues.steps.getJob(stepJobId(run, 'wait'));
    expect(job?.attemptsStarted).toBe(1);
    expect(job?.failedReason).toContain('Stopped waiting for deployment shop/api');
    expect(['waiting', 'delayed']).toContain(await job?.getState());
    const after = await store.get(run.id);
    expect(after?.state).toBe('running');
    expect(after?.phases[0]?.items[0]?.state).toBe('running');
  });
});
