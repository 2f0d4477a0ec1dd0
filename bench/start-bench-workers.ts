import { Redis } from 'ioredis';
import { createClusterAccess } from '../src/k8s/create-cluster-access.js';
import { createLogger } from '../src/observability/create-logger.js';
import { createQueues } from '../src/queue/engine/create-queues.js';
import { RunEngine } from '../src/queue/engine/run-engine.js';
import { startWorkers } from '../src/queue/engine/start-workers.js';
import { RunStore } from '../src/run/store/run-store.js';
import { startRollback } from '../src/use-cases/start-rollback.js';

export interface BenchWorkers {
  store: RunStore;
  engine: RunEngine;
  /** Stops the workers and queues, drops every key under the prefix when asked, and disconnects. */
  close(options?: { dropKeys?: boolean }): Promise<void>;
}

/**
 * The real queue workers (steps, guards, rollbacks) on `redisUrl` under `prefix`, against the cluster of
 * `kubeconfigPath`, with a notifier that posts nowhere: the benches that use them time the cluster writes
 * a breach leads to, and Slack's pacing is measured by the benches that drive the whole app.
 */
export function startBenchWorkers(o: { redisUrl: string; prefix: string; kubeconfigPath: string; concurrency: number }): BenchWorkers {
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const logger = createLogger('silent');
  const store = new RunStore(redis, o.prefix);
  const queues = createQueues(redis, o.prefix);
  const engine = new RunEngine({ store, queues, now: Date.now, logger });
  const workers = startWorkers({
    connection,
    redis,
    keyPrefix: o.prefix,
    store,
    engine,
    queues,
    clusters: createClusterAccess({ kubeconfigPath: o.kubeconfigPath }),
    notifier: { post: async () => 'ts-bench', update: async () => {}, postThread: async () => 'ts', postSummary: async () => 'ts', postLog: async () => {}, postPhaseReminder: async () => 'ts' } as never,
    logger,
    now: Date.now,
    startRollback: (request) => startRollback(request, { store, engine, now: Date.now }),
    concurrency: o.concurrency,
  });
  return {
    store,
    engine,
    async close(options) {
      await workers.close();
      await queues.close();
      if (options?.dropKeys) {
        const keys = await redis.keys(`{${o.prefix}}*`);
        if (keys.length > 0) await redis.del(...keys);
      }
      redis.disconnect();
      connection.disconnect();
    },
  };
}
