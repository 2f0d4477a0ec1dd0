import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FourKeys } from '../run/core/four-keys.js';
import { trackEventLoopDelay } from './track-event-loop-delay.js';

/** The range the four-keys gauges cover, in days before the scrape. */
export const FOUR_KEYS_DAYS = 30;

/** Job states reported by `flightdeck_queue_jobs`; together they are the queue's depth and backlog. */
const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

/**
 * Every metric flightdeck exports, on a registry of its own (so two instances in one test process never
 * share counters). Names follow Prometheus conventions: `_total` counters, `_seconds` histograms.
 */
export interface FlightdeckMetrics {
  readonly registry: Registry;
  /** Finished runs; `outcome` is the run's terminal state (succeeded, failed, error, rolled-back, …). */
  readonly runs: Counter<'environment' | 'outcome'>;
  /** From the run's creation to its terminal state. */
  readonly runDuration: Histogram<'environment' | 'outcome'>;
  /** Rollbacks by outcome (`succeeded` or `failed`); fed when a rollback run ends (observeRunOutcomes). */
  readonly rollbacks: Counter<'environment' | 'outcome'>;
  readonly emergencyDeploys: Counter<'environment'>;
  /** From the rollback's start to its end. */
  readonly rollbackDuration: Histogram<'environment'>;
  /** Guards (metric or alert checks during a rollout) that found a breach. */
  readonly guardBreaches: Counter<'environment' | 'guard'>;
  /** From a job becoming runnable to a worker picking it up (first attempts only). */
  readonly queueWait: Histogram<'queue'>;
  /** Slack Web API calls that failed, by method and Slack error code (`request_failed` when Slack never answered). */
  readonly slackApiErrors: Counter<'method' | 'error'>;
  /** HTTP 429 answers from the Slack Web API, by method. */
  readonly slackRateLimited: Counter<'method'>;
  /** From an inbound Slack request's arrival to flightdeck's answer: the HTTP response, or in Socket Mode the ack message (Slack gives up after 3 s). */
  readonly ackLatency: Histogram;
  /** Answers of the CI API by route (`deploys`, `runs`) and HTTP status: 401s and 429s show a misconfigured pipeline. */
  readonly apiRequests: Counter<'route' | 'status'>;
  /**
   * Jobs a worker of this process found stalled (their lock expired: the worker holding them died, or missed its
   * renewals) and moved back to wait. Counted once, by the process whose stall check moved the job.
   */
  readonly jobsStalled: Counter<'queue'>;
  /** Reports these queues' job counts as `flightdeck_queue_jobs{queue,state}`, read from Redis at scrape time. */
  trackQueues(queues: readonly Queue[]): void;
  /**
   * Reports how far run messages trail their runs, read at scrape time: `flightdeck_messages_stale` (behind
   * for longer than the bound) and `flightdeck_message_lag_seconds` (the one furthest behind).
   */
  trackMessages(read: () => Promise<MessageLag>): void;
  /**
   * Reports the four keys of every service+environment, read at scrape time: `flightdeck_deployments_per_day`,
   * `flightdeck_change_failure_ratio` and `flightdeck_time_to_restore_seconds` (absent where there is nothing to measure).
   */
  trackFourKeys(read: () => Promise<readonly ServiceFourKeys[]>): void;
}

/** The four keys of one service in one environment, as the gauges report them. */
export interface ServiceFourKeys {
  service: string;
  environment: string;
  keys: FourKeys;
}

/** How far run messages trail their runs (see RunStore.messageLag). */
export interface MessageLag {
  /** Messages behind their run for longer than the lag bound. */
  stale: number;
  /** How long the message furthest behind has trailed its run, ms; 0 when every message is current. */
  oldestMs: number;
}

export interface CreateMetricsOptions {
  /** Also export Node's process metrics (`process_*`, `nodejs_*`). Default true. */
  defaultMetrics?: boolean;
  /** The role of this process, the `role` label of its event-loop delay: role `all` serves its worker process's beside its own. Default `all`. */
  role?: string;
}

/** How often the event-loop delay is sampled, ms: finer than any delay that matters, cheap enough to run always. */
const EVENT_LOOP_SAMPLE_MS = 20;

/** The longest event-loop delay of each process since the previous scrape; role `all` adds its worker process's. */
export const EVENT_LOOP_DELAY_MAX = 'flightdeck_event_loop_delay_max_seconds';

/** Creates and registers every flightdeck metric. Never throws for valid options. */
export function createMetrics(options: CreateMetricsOptions = {}): FlightdeckMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const tracked: Queue[] = [];

  // A job's lock is lost only when the event loop renewing it stalls for about half of WORKER_LOCK_MS: this is
  // the evidence that a busy worker does not come near that.
  const delay = trackEventLoopDelay(EVENT_LOOP_SAMPLE_MS);
  new Gauge({
    name: EVENT_LOOP_DELAY_MAX,
    help: 'The longest event-loop delay of this process since the previous scrape; a worker near half of WORKER_LOCK_MS risks losing its jobs.',
    labelNames: ['role'] as const,
    registers,
    collect() {
      this.set({ role: options.role ?? 'all' }, delay.takeMax());
    },
  });

  // Registered through `registers`; it has no handle because only its collect() writes to it.
  new Gauge({
    name: 'flightdeck_queue_jobs',
    help: 'Jobs in each queue by state, read from Redis at scrape time (the same for every pod: aggregate with max).',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      // A Redis outage must not break the whole scrape: the gauge is simply absent until Redis answers.
      const counts = await Promise.all(tracked.map((queue) => queue.getJobCounts(...QUEUE_STATES).catch(() => undefined)));
      counts.forEach((count, i) => {
        if (!count) return;
        for (const state of QUEUE_STATES) this.set({ queue: tracked[i]!.name, state }, count[state] ?? 0);
      });
    },
  });

  let readLag: (() => Promise<MessageLag>) | undefined;
  // A Redis outage leaves the gauges absent, not the scrape broken.
  const lag = async () => readLag?.().catch(() => undefined);
  new Gauge({
    name: 'flightdeck_messages_stale',
    help: 'Run messages that have trailed their run for longer than MESSAGE_LAG_BOUND_MS (the same for every pod: aggregate with max).',
    registers,
    async collect() {
      this.reset();
      const read = await lag();
      if (read) this.set(read.stale);
    },
  });
  new Gauge({
    name: 'flightdeck_message_lag_seconds',
    help: 'How long the run message furthest behind its run has trailed it; 0 when every message shows its run.',
    registers,
    async collect() {
      this.reset();
      const read = await lag();
      if (read) this.set(read.oldestMs / 1000);
    },
  });

  let readKeys: (() => Promise<readonly ServiceFourKeys[]>) | undefined;
  // One read per scrape feeds the three gauges: a scrape collects them together, and they share the read under way.
  let pendingKeys: Promise<readonly ServiceFourKeys[] | undefined> | undefined;
  const fourKeys = () => {
    pendingKeys ??= (readKeys?.() ?? Promise.resolve(undefined)).catch(() => undefined).finally(() => {
      pendingKeys = undefined;
    });
    return pendingKeys;
  };
  const keyGauge = (name: string, help: string, value: (keys: FourKeys) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['service', 'environment'] as const,
      registers,
      async collect() {
        this.reset();
        for (const { service, environment, keys } of (await fourKeys()) ?? []) {
          const measured = value(keys);
          if (measured !== undefined) this.set({ service, environment }, measured);
        }
      },
    });
  keyGauge('flightdeck_deployments_per_day', `Deployments (deploy runs that changed a cluster and ended) a day over the last ${FOUR_KEYS_DAYS} days.`, (keys) => keys.perDay);
  keyGauge('flightdeck_change_failure_ratio', `Deployments that failed or were rolled back ÷ deployments, last ${FOUR_KEYS_DAYS} days; absent without deployments.`, (keys) => keys.changeFailureRate);
  keyGauge(
    'flightdeck_time_to_restore_seconds',
    `Median time from a failed deployment's first breach (or failure) to its restore, last ${FOUR_KEYS_DAYS} days; absent with nothing restored.`,
    (keys) => (keys.timeToRestoreMs === undefined ? undefined : keys.timeToRestoreMs / 1000),
  );

  return {
    registry,
    runs: new Counter({ name: 'flightdeck_runs_total', help: 'Runs that reached a terminal state.', labelNames: ['environment', 'outcome'] as const, registers }),
    runDuration: new Histogram({
      name: 'flightdeck_run_duration_seconds',
      help: 'Time from a run being requested to its terminal state.',
      labelNames: ['environment', 'outcome'] as const,
      buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400],
      registers,
    }),
    rollbacks: new Counter({ name: 'flightdeck_rollbacks_total', help: 'Rollbacks performed, by outcome.', labelNames: ['environment', 'outcome'] as const, registers }),
    emergencyDeploys: new Counter({ name: 'flightdeck_emergency_deploys_total', help: 'Deploys started with --emergency, past deploy windows and freezes.', labelNames: ['environment'] as const, registers }),
    rollbackDuration: new Histogram({
      name: 'flightdeck_rollback_duration_seconds',
      help: 'Time from a rollback starting to the previous revision being rolled out.',
      labelNames: ['environment'] as const,
      buckets: [5, 15, 30, 60, 120, 300, 600, 1200],
      registers,
    }),
    guardBreaches: new Counter({ name: 'flightdeck_guard_breaches_total', help: 'Guard checks that found a breach during a rollout.', labelNames: ['environment', 'guard'] as const, registers }),
    queueWait: new Histogram({
      name: 'flightdeck_queue_wait_seconds',
      help: 'Time a job waited between becoming runnable and a worker starting it (first attempts); queue="render": a run message\'s render, from the moment it was due to a worker taking it.',
      labelNames: ['queue'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    slackApiErrors: new Counter({ name: 'flightdeck_slack_api_errors_total', help: 'Slack Web API calls that failed.', labelNames: ['method', 'error'] as const, registers }),
    slackRateLimited: new Counter({ name: 'flightdeck_slack_rate_limited_total', help: 'HTTP 429 answers from the Slack Web API.', labelNames: ['method'] as const, registers }),
    ackLatency: new Histogram({
      name: 'flightdeck_slack_ack_seconds',
      help: 'Time from a Slack request arriving to flightdeck answering it; Slack shows an error after 3 s.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 5],
      registers,
    }),
    apiRequests: new Counter({ name: 'flightdeck_api_requests_total', help: 'Answers of the CI API, by route and HTTP status.', labelNames: ['route', 'status'] as const, registers }),
    jobsStalled: new Counter({
      name: 'flightdeck_jobs_stalled_total',
      help: 'Jobs whose lock expired (their worker died or missed its renewals) and that were moved back to wait to run again.',
      labelNames: ['queue'] as const,
      registers,
    }),
    trackQueues(queues) {
      tracked.push(...queues);
    },
    trackMessages(read) {
      readLag = read;
    },
    trackFourKeys(read) {
      readKeys = read;
    },
  };
}
