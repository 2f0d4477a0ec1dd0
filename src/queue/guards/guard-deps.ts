import type { ClusterAccess } from '../../k8s/create-cluster-access.js';
import type { Logger } from '../../observability/create-logger.js';
import type { ProbeProviders } from '../../probes/probe-provider.js';
import { probeProviders as builtInProviders } from '../../probes/probe-providers.js';
import type { RunStore } from '../../run/store/run-store.js';
import type { Queues } from '../engine/create-queues.js';
import type { RunEngine } from '../engine/run-engine.js';
import type { WorkerDeps } from '../engine/worker-deps.js';
import { GuardStateStore } from './guard-state-store.js';
import type { IncidentNotifier } from '../incidents/incident-notifier.js';
import { IncidentStore } from '../incidents/incident-store.js';
import type { PagerDutyWiring } from '../incidents/pagerduty-routes.js';

/** What the guard, alert and paging jobs use. */
export interface GuardDeps {
  store: RunStore;
  engine: RunEngine;
  queues: Queues;
  clusters: ClusterAccess;
  logger: Logger;
  now: () => number;
  guardStates: GuardStateStore;
  incidents: IncidentStore;
  probeProviders: ProbeProviders;
  /** Absent: nothing is sent to PagerDuty and nobody is DMed; alerts still go to Slack. */
  pagerduty: PagerDutyWiring | undefined;
  /** Absent: alerts are only audited and logged (workers without Slack, in tests). */
  incidentNotifier: IncidentNotifier | undefined;
}

/** The guard dependencies of a worker process, with the built-in probes unless others are given. */
export function guardDepsOf(deps: WorkerDeps): GuardDeps {
  return {
    store: deps.store,
    engine: deps.engine,
    queues: deps.queues,
    clusters: deps.clusters,
    logger: deps.logger,
    now: deps.now,
    guardStates: new GuardStateStore(deps.redis, deps.keyPrefix),
    incidents: new IncidentStore(deps.redis, deps.keyPrefix),
    probeProviders: deps.probeProviders ?? builtInProviders,
    pagerduty: deps.pagerduty,
    incidentNotifier: deps.incidentNotifier,
  };
}
