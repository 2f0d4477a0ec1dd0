import { UnrecoverableError, Worker } from 'bullmq';
import { Cluster } from 'ioredis';
import { DEFAULT_WORKER_LOCK_MS } from '../../config/load-env.js';
import type { RedisClient } from '../../run/store/create-redis.js';
import { observeQueueWait } from '../../observability/observe-queue-wait.js';
import { NOTIFY_QUEUE, QUEUE_NAMES, queuePrefix, type QueueName } from './create-queues.js';
import { sleepingInProcess } from '../notify/sleep-job.js';
import { createRunRenderer } from '../notify/process-render.js';
import { startRenderLoop } from '../notify/render-loop.js';
import { createJobHandlers } from './job-handlers.js';
import { fleetReconcilePass } from './fleet-reconcile-pass.js';
import { reconcileRuns } from './reconcile-runs.js';
import { stalledIntervalOf } from './stalled-interval-of.js';
import type { WorkerDeps } from './worker-deps.js';
import type { JobHandler } from './job-handler.js';

export interface StartWorkersOptions extends WorkerDeps {
  /** A connection the workers may block on; BullMQ needs `maxRetriesPerRequest: null`. */
  connection: RedisClient;
  /** Deploy steps processed at once; a rollout wait holds its slot while it watches. */
  concurrency: number;
  /** Rollback jobs processed at once, on workers of their own. Default 4. */
  rollbackConcurrency?: number;
  /** How often runs are checked for lost work. Default 10 s. */
  reconcileEveryMs?: number;
  /** How long a job's lock lives without renewal; after it a dead worker's job is handed to another. Default 5 s (WORKER_LOCK_MS). */
  lockDurationMs?: number;
  /** The audit channel an emergency run of an environment is announced in (the catalog's); absent: none is. */
  auditChannelOf?: (environment: string) => string | undefined;
}

export interface RunningWorkers {
  /** Stops taking jobs, signals running steps to stop, and waits for them to hand their jobs back. */
  close(): Promise<void>;
}

function concurrencyOf(queue: QueueName, options: StartWorkersOptions): number {
  switch (queue) {
    case 'steps':
      return options.concurrency;
    case 'rollback':
      return options.rollbackConcurrency ?? 4;
    default:
      return Math.min(options.concurrency, 16);
  }
}

/**
 * How many times BullMQ hands a job whose worker died (or missed its lock renewals) to another worker before it
 * fails the job as "stalled more than allowable limit". Every handler converges when run again, and a step job
 * failed that way only left its run `running` until the reconciler enqueued it afresh, so a stall is never a
 * reason to give up: workers dying over and over (kills, OOM, a node drained) must not strand the runs they held.
 */
const MAX_STALLS = Number.MAX_SAFE_INTEGER;

/**
 * How many notify jobs may sleep in the worker per slot that works (see sleepingInProcess). A sleeping job costs
 * a timer and, every half lock duration, a lock renewal; sleeping through BullMQ costs about 25 Redis commands.
 * At 3 a slot, most summaries waiting seconds for their channel's turn found no place (at 1,000 runs in 100
 * channels, 1,277 of the 1,577 sleeps through BullMQ were that short); 64 did no better there and worse at 10,000
 * runs, with more renewals (BENCHMARKS.md section 5).
 */
const IN_PROCESS_SLEEPERS_PER_SLOT = 16;

/**
 * A new connection like `client`, to the same servers (a subscriber needs one of its own). The two branches are
 * the same call on two types whose `duplicate` signatures differ, which TypeScript cannot call on their union.
 */
function duplicateOf(client: RedisClient): RedisClient {
  return client instanceof Cluster ? client.duplicate() : client.duplicate();
}

/** One BullMQ worker per queue, routing each job to the handler registered for its name. */
export function startWorkers(options: StartWorkersOptions): RunningWorkers {
  const prefix = queuePrefix(options.keyPrefix);
  const lockDuration = options.lockDurationMs ?? DEFAULT_WORKER_LOCK_MS;
  const handlers = createJobHandlers(options);
  const stopping = new AbortController();
  const workers = QUEUE_NAMES.map((queue) => {
    const byName = handlers[queue];
    const route: JobHandler = async (job, token, signal) => {
      const handler = byName[job.name];
      if (!handler) throw new UnrecoverableError(`No handler for job "${job.name}" on queue "${queue}".`);
      // BullMQ can still start a job once close() has begun (a blocking fetch in flight returns it), after
      // cancelAllJobs() ran: that job must be told to stop too, or the shutdown waits for it to finish (a whole
      // rollout wait) and the process outlives its deadline.
      return handler(job, token, stopping.signal.aborted ? stopping.signal : signal);
    };
    const working = concurrencyOf(queue, options);
    // Notify jobs wait for their channel's turns: short waits sleep in the worker, in slots of their own.
    const sleepers = queue === NOTIFY_QUEUE ? working * IN_PROCESS_SLEEPERS_PER_SLOT : 0;
    const processor = sleepers > 0 ? sleepingInProcess(route, { working, sleepers, stopping: stopping.signal }) : route;
    const worker = new Worker(
      queue,
      processor,
      {
        connection: options.connection,
        prefix,
        lockDuration,
        stalledInterval: stalledIntervalOf(lockDuration),
        maxStalledCount: MAX_STALLS,
        concurrency: working + sleepers,
      },
    );
    worker.on('error', (err) => options.logger.error({ err, queue }, 'worker error'));
    worker.on('failed', (job, err) =>
      options.logger.warn({ err, queue, run: job?.data?.runId, job: job?.id, attempts: job?.attemptsMade }, 'job failed'),
    );
    const metrics = options.metrics;
    // At 0 from the start, so a scrape shows the family (and rate() a baseline) before the first stall.
    metrics?.jobsStalled.inc({ queue }, 0);
    worker.on('stalled', (jobId) => {
      metrics?.jobsStalled.inc({ queue });
      options.logger.warn({ queue, job: jobId }, 'job stalled: its worker died or lost its lock; it runs again');
    });
    if (metrics) worker.on('active', (job) => observeQueueWait(metrics, queue, job));
    return worker;
  });
  // Run messages are rendered outside BullMQ, from the render queue, with as many at once as a notify worker works.
  const renders = startRenderLoop({
    store: options.store,
    subscriber: duplicateOf(options.connection),
    renderRun: createRunRenderer(options),
    concurrency: concurrencyOf(NOTIFY_QUEUE, options),
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const reconcileEveryMs = options.reconcileEveryMs ?? 10_000;
  // One pass at a time across every worker process (see fleet-reconcile-pass.ts), not one per process.
  const pass = fleetReconcilePass(options.store.reconciles, reconcileEveryMs, options.logger, () =>
    reconcileRuns(options.store, options.engine, options.logger, {
      redis: options.redis,
      keyPrefix: options.keyPrefix,
      messageLagBoundMs: options.messageLagBoundMs,
      recheckMs: reconcileEveryMs,
      auditChannelOf: options.auditChannelOf,
    }),
  );
  const reconcile = () => pass().catch((err: unknown) => options.logger.error({ err }, 'reconcile failed'));
  // Render-due runs an older version left in its unscored set join the index before the first pass reads it.
  const adoptRenders = options.store.renders
    .adoptLegacyRenderDue()
    .then((adopted) => adopted > 0 && options.logger.info({ adopted }, 'render-due runs of an older version adopted'))
    .catch((err: unknown) => options.logger.error({ err }, 'could not adopt the older render-due set'));
  // Active runs an older version wrote without the reconcile-due index (or wrote during a rolling upgrade)
  // join it at each start, so the reconciler, which now reads only due runs, still sees them.
  const adoptActive = options.store.reconciles
    .adoptActive()
    .then((adopted) => adopted > 0 && options.logger.info({ adopted }, 'active runs joined the reconcile-due index'))
    .catch((err: unknown) => options.logger.error({ err }, 'could not add active runs to the reconcile-due index'));
  void Promise.all([adoptRenders, adoptActive]).then(reconcile);
  const timer = setInterval(reconcile, reconcileEveryMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      stopping.abort('shutting down');
      for (const worker of workers) worker.cancelAllJobs('shutting down');
      await Promise.all([...workers.map((worker) => worker.close()), renders.close()]);
    },
  };
}
