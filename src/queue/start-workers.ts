import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ClusterAccess } from '../k8s/create-cluster-access.js';
import type { Logger } from '../observability/create-logger.js';
import type { FlightdeckMetrics } from '../observability/create-metrics.js';
import { observeQueueWait } from '../observability/observe-queue-wait.js';
import type { RunStore } from '../run/run-store.js';
import { NOTIFY_QUEUE, STEPS_QUEUE, queuePrefix } from './create-queues.js';
import { createRenderProcessor } from './process-render.js';
import { createStepProcessor } from './process-step.js';
import { reconcileRuns } from './reconcile-runs.js';
import type { RunEngine } from './run-engine.js';
import type { RunNotifier } from './run-notifier.js';

export interface StartWorkersOptions {
  /** A connection the workers may block on; BullMQ needs `maxRetriesPerRequest: null`. */
  connection: Redis;
  /** Used for locks and pacing keys; may be shared with the run store. */
  redis: Redis;
  keyPrefix: string;
  store: RunStore;
  engine: RunEngine;
  clusters: ClusterAccess;
  notifier: RunNotifier;
  logger: Logger;
  now: () => number;
  /** Steps processed at once; a rollout wait holds its slot while it watches. */
  concurrency: number;
  /** How often active runs are checked for lost work. Default 10 s. */
  reconcileEveryMs?: number;
  /** How long a job's lock lives without renewal; after it a dead worker's job is handed to another. Default 30 s. */
  lockDurationMs?: number;
  /** When given, each job's wait for a worker is recorded here. */
  metrics?: FlightdeckMetrics;
}

export interface RunningWorkers {
  /** Stops taking jobs, signals running steps to stop, and waits for them to hand their jobs back. */
  close(): Promise<void>;
}

export function startWorkers(options: StartWorkersOptions): RunningWorkers {
  const prefix = queuePrefix(options.keyPrefix);
  const lockDuration = options.lockDurationMs ?? 30_000;
  const workerDefaults = {
    connection: options.connection,
    prefix,
    lockDuration,
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
    // A step may be interrupted several times by dying workers; each time it converges, so let it be recovered.
    maxStalledCount: 10,
  };
  const steps = new Worker(STEPS_QUEUE, createStepProcessor(options), {
    ...workerDefaults,
    concurrency: options.concurrency,
  });
  const notify = new Worker(
    NOTIFY_QUEUE,
    createRenderProcessor({ ...options, keyPrefix: options.keyPrefix }),
    { ...workerDefaults, concurrency: Math.min(options.concurrency, 16) },
  );
  for (const worker of [steps, notify]) {
    worker.on('error', (err) => options.logger.error({ err, queue: worker.name }, 'worker error'));
    worker.on('failed', (job, err) =>
      options.logger.warn({ err, queue: worker.name, run: job?.data?.runId, job: job?.id, attempts: job?.attemptsMade }, 'job failed'),
    );
    const metrics = options.metrics;
    if (metrics) worker.on('active', (job) => observeQueueWait(metrics, worker.name, job));
  }
  const reconcile = () =>
    reconcileRuns(options.store, options.engine, options.logger).catch((err: unknown) =>
      options.logger.error({ err }, 'reconcile failed'),
    );
  void reconcile();
  const timer = setInterval(reconcile, options.reconcileEveryMs ?? 10_000);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      steps.cancelAllJobs('shutting down');
      await Promise.all([steps.close(), notify.close()]);
    },
  };
}
