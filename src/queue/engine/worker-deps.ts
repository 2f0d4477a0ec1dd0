import type { RedisClient } from '../../run/store/create-redis.js';
import type { ClusterAccess } from '../../k8s/create-cluster-access.js';
import type { Logger } from '../../observability/create-logger.js';
import type { FlightdeckMetrics } from '../../observability/create-metrics.js';
import type { ProbeProviders } from '../../probes/probe-provider.js';
import type { RunReason } from '../../run/core/run-reason.js';
import type { Run, RunTarget } from '../../run/core/run-schema.js';
import type { RunStore } from '../../run/store/run-store.js';
import type { Queues } from './create-queues.js';
import type { IncidentNotifier } from '../incidents/incident-notifier.js';
import type { PagerDutyWiring } from '../incidents/pagerduty-routes.js';
import type { RunEngine } from './run-engine.js';
import type { RunNotifier } from '../notify/run-notifier.js';
import type { DryRunDeps } from '../dry-run/dry-run-replier.js';

/** What a worker asks for when a run must be undone: the run, where it ran, who asks and why. */
export interface RollbackOfRun {
  of: Run;
  service: string;
  environment: string;
  target: RunTarget;
  actor: string;
  channel: string;
  reason: RunReason;
}

/** Everything a job handler may use. Built once per worker process by the composition root. */
export interface WorkerDeps {
  /** Used for locks and pacing keys; may be shared with the run store. */
  redis: RedisClient;
  /** The configured `REDIS_PREFIX`; keys are `{prefix}:…`. */
  keyPrefix: string;
  store: RunStore;
  engine: RunEngine;
  queues: Queues;
  clusters: ClusterAccess;
  notifier: RunNotifier;
  logger: Logger;
  now: () => number;
  /**
   * Starts the rollback run that undoes a run (the `startRollback` use case). Injected by the composition
   * root because workers sit below the use cases; idempotent for the same run.
   */
  startRollback: (request: RollbackOfRun) => Promise<Run>;
  metrics?: FlightdeckMetrics;
  /** PagerDuty client and per-service routes; absent: nothing is paged (alerts still reach Slack). */
  pagerduty?: PagerDutyWiring;
  /** Posts guard alerts and on-call DMs; absent: alerts are only audited and logged. */
  incidentNotifier?: IncidentNotifier;
  /** How long a run message may trail its run before it is rendered ahead of its channel's line. Default 15 s. */
  messageLagBoundMs?: number;
  /** Probe implementations for checks and guards; default the built-in ones. */
  probeProviders?: ProbeProviders;
  /** What `dry-run` jobs read and where they answer; absent (workers started without Slack), a dry-run job fails for want of a handler. */
  dryRun?: DryRunDeps;
}
