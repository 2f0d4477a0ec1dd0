import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createClusterAccess, type ClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { createLogger, type Logger } from '../../src/observability/create-logger.js';
import { createQueues, type Queues } from '../../src/queue/engine/create-queues.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import { startWorkers, type RunningWorkers, type StartWorkersOptions } from '../../src/queue/engine/start-workers.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { transition } from '../../src/run/core/transition.js';
import { startRollback } from '../../src/use-cases/start-rollback.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { waitUntil } from '../support/wait-until.js';
import type { RunNotifier } from '../../src/queue/notify/run-notifier.js';

/** A notifier that posts nowhere: engine tests judge the run store and the cluster, not Slack. */
export const silentNotifier: RunNotifier = {
  post: async (run) => `ts-${run.id}`,
  findPosted: async () => undefined,
  update: async () => {},
  // Every change counts as shown, so every render writes as it would without the digest.
  shownDigest: (run) => String(run.seq),
  postThread: async () => {},
  postSummary: async () => {},
  postLog: async () => {},
  postJobLog: async () => {},
  postPhaseReminder: async () => {},
  postAnnouncement: async () => {},
  postStatsChart: async () => {},
};

export const NS = 'shop';

/** The engine with real BullMQ workers on the real Redis, one Kubernetes emulator, and a recording notifier. */
export interface EngineHarness {
  emu: KubernetesEmulator;
  /** The harness's Redis connection and key prefix, for reading what the store wrote. */
  redis: Redis;
  prefix: string;
  store: RunStore;
  engine: RunEngine;
  queues: Queues;
  /** Creates and starts a deploy run of `steps` (checklist items) against deployment `name`. */
  deploy(name: string, version: string, steps: object[]): Promise<Run>;
  /** Waits until the run is in one of `states` and returns it. */
  settle(id: string, states: readonly string[], timeoutMs?: number): Promise<Run>;
  seed(name: string, image: string, options?: { route?: boolean }): void;
  close(): Promise<void>;
}

/** What {@link startSilentWorkers} runs the workers on. */
export interface SilentWorkersWorld {
  connection: Redis;
  redis: Redis;
  prefix: string;
  store: RunStore;
  engine: RunEngine;
  queues: Queues;
  clusters: ClusterAccess;
  logger: Logger;
  now?: () => number;
}

/**
 * Real workers on every queue with the {@link silentNotifier}, as engine tests run them; `options` sets the
 * worker settings a test is about (concurrency 4 unless it says otherwise).
 */
export function startSilentWorkers(world: SilentWorkersWorld, options: Partial<Pick<StartWorkersOptions, 'concurrency' | 'reconcileEveryMs' | 'lockDurationMs'>> = {}): RunningWorkers {
  const { store, engine } = world;
  const now = world.now ?? Date.now;
  return startWorkers({
    connection: world.connection,
    redis: world.redis,
    keyPrefix: world.prefix,
    store,
    engine,
    queues: world.queues,
    clusters: world.clusters,
    notifier: silentNotifier,
    logger: world.logger,
    now,
    startRollback: (request) => startRollback(request, { store, engine, now }),
    concurrency: 4,
    ...options,
  });
}

/** `readyDelayMs`: how long new pods take to become ready (default 60); `requestTimeoutMs`: the cluster clients' request bound (default 15000). */
export async function startEngineHarness(options: { readyDelayMs?: number; requestTimeoutMs?: number } = {}): Promise<EngineHarness> {
  const emu = await startKubernetesEmulator({ readyDelayMs: options.readyDelayMs ?? 60, tickMs: 10 });
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'engine-')), 'kubeconfig');
  emu.writeKubeconfig(kubeconfig, 'emu');
  const prefix = `it-engine-${randomBytes(4).toString('hex')}`;
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  const logger = createLogger('silent');
  const store = new RunStore(redis, prefix);
  const queues = createQueues(redis, prefix);
  const engine = new RunEngine({ store, queues, now: Date.now, logger });
  const clusters = createClusterAccess({ kubeconfigPath: kubeconfig, requestTimeoutMs: options.requestTimeoutMs });
  const workers = startSilentWorkers({ connection, redis, prefix, store, engine, queues, clusters, logger }, { reconcileEveryMs: 500 });
  return {
    emu,
    redis,
    prefix,
    store,
    engine,
    queues,
    seed(name, image, options = {}) {
      emu.seedDeployment({ namespace: NS, name, container: name, image, replicas: 2, progressDeadlineSeconds: 3 });
      if (!options.route) return;
      emu.create('httproutes', NS, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name },
        spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name, port: 8080 }] }] },
      });
    },
    async deploy(name, version, steps) {
      const checklist = checklistSchema.parse({ name: 'engine', phases: [{ id: 'rollout', title: 'Rollout', items: steps }] });
      const id = await store.nextRunId();
      const now = Date.now();
      const run = createRun(
        {
          id,
          service: name,
          environment: 'production',
          version,
          target: {
            cluster: 'emu',
            namespace: NS,
            deployment: name,
            container: name,
            image: `reg/${name}:${version}`,
            traffic: { route: name, stableService: name, canaryService: `${name}-canary` },
          },
          requestedBy: 'U0ALICE',
          channel: 'C0DEPLOY',
          checklist,
        },
        now,
      );
      const started = transition(run, { type: 'start', actor: 'U0ALICE' }, now);
      const created = await store.create(started.run, started.audit);
      if (!created.created) throw new Error(`lock held by run ${created.holder.id}`);
      await engine.dispatch(created.run, started.effects);
      return created.run;
    },
    async settle(id, states, timeoutMs = 30_000) {
      return waitUntil(
        `run ${id} to be ${states.join(' or ')}`,
        async () => {
          const run = await store.get(id);
          return run && states.includes(run.state) ? run : undefined;
        },
        timeoutMs,
      );
    },
    async close() {
      await workers.close();
      await queues.close();
      const keys = await redis.keys(`{${prefix}}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      connection.disconnect();
      await emu.close();
    },
  };
}

/** `name=weight` of every backend of the route's first rule. */
export function weightsOf(emu: KubernetesEmulator, route: string): string[] {
  const rules = emu.get('httproutes', NS, route)?.spec.rules as Array<{ backendRefs: Array<{ name: string; weight?: number }> }>;
  return rules[0]!.backendRefs.map((b) => `${b.name}=${b.weight ?? '-'}`);
}

export const imageOf = (emu: KubernetesEmulator, name: string): string => emu.getDeployment(NS, name).spec.template.spec.containers[0].image;
