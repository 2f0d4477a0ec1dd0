import { createApiRoutes } from './api/create-api-routes.js';
import { createTokenRateLimiter } from './api/take-rate-limit.js';
import { createRedis } from './run/store/create-redis.js';
import { FreezeStore } from './deploy-windows/freeze-store.js';
import { deployCommand } from '../commands/deploy.js';
import { rollbackCommand } from '../commands/rollback.js';
import type { CommandDefinition } from '../commands/command-definition.js';
import type { Config } from './config/load-config.js';
import { clusterIdentity } from './k8s/cluster-identity.js';
import { createClusterAccess, type ClusterAccess } from './k8s/create-cluster-access.js';
import { createReadinessCheck, type ReadinessReport } from './observability/check-readiness.js';
import type { Logger } from './observability/create-logger.js';
import { createMetrics, FOUR_KEYS_DAYS, type FlightdeckMetrics } from './observability/create-metrics.js';
import { catalogFourKeys } from './run/store/catalog-four-keys.js';
import { publishHome } from './slack/publish-home.js';
import { refreshHomesOnRunChanges } from './slack/refresh-homes.js';
import { meterNotifier, meterSlackClient } from './observability/meter-slack.js';
import { observeRunOutcomes } from './observability/observe-run-outcomes.js';
import { createOpsRoutes } from './observability/ops-routes.js';
import { startOpsServer, type OpsServer } from './observability/start-ops-server.js';
import { createProbeProviders } from './probes/probe-providers.js';
import { createQueues } from './queue/engine/create-queues.js';
import { createPagerDutyWiring } from './queue/incidents/create-pagerduty-wiring.js';
import { enqueueIncidentAck } from './queue/incidents/process-alert-jobs.js';
import { RunEngine } from './queue/engine/run-engine.js';
import { startWorkers, type RunningWorkers } from './queue/engine/start-workers.js';
import { claimInstallation } from './run/store/claim-installation.js';
import { RunStore } from './run/store/run-store.js';
import { storeLimitsOf } from './run/store/store-limits-of.js';
import { createGate } from './auth/gate.js';
import { createRoleResolver } from './auth/role-resolver.js';
import { IncidentStore } from './queue/incidents/incident-store.js';
import { createSlackApp, type SlackApp } from './slack/create-slack-app.js';
import { listUsergroupMembers } from './slack/list-usergroup-members.js';
import { SlackIncidentNotifier } from './slack/slack-incident-notifier.js';
import { createDryRunReplier } from './slack/post-dry-run-reply.js';
import { createSlackClient, SlackNotifier } from './slack/slack-notifier.js';
import { createOutboundTransport } from './net/create-outbound-transport.js';
import { createRespondTo } from './slack/respond-to.js';
import { startRollback } from './use-cases/start-rollback.js';
import type { SupervisedWorker } from './roles/supervise-worker.js';

export const COMMANDS: readonly CommandDefinition<unknown>[] = [deployCommand as CommandDefinition<unknown>, rollbackCommand as CommandDefinition<unknown>];

export interface Flightdeck {
  /** The process's metrics, as served at `/metrics`. */
  readonly metrics: FlightdeckMetrics;
  /** What `/readyz` answers, shutdown aside. */
  readiness(): Promise<ReadinessReport>;
  /** Stops taking work, lets running steps hand their jobs back, and closes every connection. */
  stop(): Promise<void>;
}

/**
 * The composition root: one process, one or both roles. Everything that outlives a request is in Redis,
 * so any number of these processes can run side by side.
 */
export interface ListenOptions {
  /** The address the Slack listener or the ops server binds; default all interfaces. */
  host?: string;
  /** The worker role serves /healthz, /readyz and /metrics on PORT; false in a worker whose supervisor serves them. Default true. */
  opsServer?: boolean;
  /** The web role of a role `all` process: the worker process it supervises, reported in /readyz and /metrics. */
  worker?: SupervisedWorker;
}

export async function startFlightdeck(config: Config, logger: Logger, now: () => number = Date.now, listen: ListenOptions = {}): Promise<Flightdeck> {
  const { env } = config;
  const runsWorkers = env.role === 'worker' || env.role === 'all';
  // A missing routing key only leaves that service unpaged: said at start-up, not discovered at the first breach.
  // Only workers page, so only they say it: web pods hold no routing keys (the Helm chart gives them to workers).
  const pagerduty = createPagerDutyWiring(env, config.catalog, (problem) => {
    if (runsWorkers) logger.warn({ problem }, 'paging degraded');
  });
  const redisOptions = { maxRetriesPerRequest: null, lazyConnect: false } as const;
  const redis = createRedis(env.redisUrl, redisOptions);
  // Workers block on their own connection; sharing it with commands would stall them behind BRPOPLPUSH-style waits.
  const workerConnection = createRedis(env.redisUrl, redisOptions);
  // The stores' commands, issued by hundreds of concurrent jobs and requests, leave in one write per event-loop
  // turn instead of one each. BullMQ's queues keep a connection without it: users report lost job data with it.
  const storeRedis = createRedis(env.redisUrl, { ...redisOptions, enableAutoPipelining: true });
  const metrics = createMetrics({ role: env.role });
  const store = observeRunOutcomes(new RunStore(storeRedis, env.redisPrefix, storeLimitsOf(env), env.installation), metrics);
  const queues = createQueues(redis, env.redisPrefix);
  const freezes = new FreezeStore(storeRedis, env.redisPrefix);
  metrics.trackQueues(queues.all());
  metrics.trackMessages(() => store.renders.messageLag(env.messageLagBoundMs));
  const deployed = Object.entries(config.catalog.services).flatMap(([service, entry]) => entry.environments.map((environment) => ({ service, environment })));
  // One reader for /metrics and every Home tab: they show the same keys and share each read.
  const catalogKeys = catalogFourKeys(store, deployed, now, FOUR_KEYS_DAYS);
  metrics.trackFourKeys(catalogKeys);
  const engine = new RunEngine({ store, queues, now, logger, paged: (service) => config.catalog.services[service]?.pagerduty !== undefined });
  // One transport for every fetch-based client: through HTTPS_PROXY/HTTP_PROXY unless NO_PROXY names the host.
  const transport = createOutboundTransport(env.proxy);
  const outbound = transport.fetch;
  const respondTo = createRespondTo(transport.postJson);
  const slackClient = createSlackClient({ token: env.slackBotToken, apiUrl: env.slackApiUrl, fetch: outbound });
  meterSlackClient(slackClient, metrics);
  const clusters = createClusterAccess({ kubeconfigPath: env.kubeconfig, requestTimeoutMs: env.k8sRequestTimeoutMs, inCluster: env.inCluster, proxy: env.proxy, searchPath: env.searchPath });

  let stopping = false;
  // Only workers talk to clusters: a cluster outage must not take the Slack listener out of its Service.
  const contexts = Object.values(config.catalog.environments).map((environment) => environment.cluster);
  try {
    // Before any listener or worker starts: a second installation on this prefix must not touch the first's runs.
    await claimInstallation(redis, env.redisPrefix, { installation: env.installation, clusters: runsWorkers ? identitiesOf(clusters, contexts) : [], at: now() });
  } catch (err) {
    redis.disconnect();
    workerConnection.disconnect();
    storeRedis.disconnect();
    throw err;
  }
  const ownReadiness = createReadinessCheck({ redis: { queues: redis, stores: storeRedis }, clusters: runsWorkers ? { access: clusters, contexts } : undefined });
  const supervised = listen.worker;
  const readiness = supervised ? () => Promise.all([ownReadiness(), supervised.readiness()]).then(([own, worker]) => ({ ready: own.ready && worker.ready, checks: { ...own.checks, ...worker.checks } })) : ownReadiness;
  const routes = createOpsRoutes({ metrics, isStopping: () => stopping, readiness, ...(supervised ? { workerMetrics: () => supervised.metrics() } : {}) });

  let slackApp: SlackApp | undefined;
  let workers: RunningWorkers | undefined;
  let opsServer: OpsServer | undefined;
  const roles = createRoleResolver({ catalog: config.catalog, listGroupMembers: listUsergroupMembers(slackClient), now, logger });
  // Web pods change runs on clicks, workers as steps run: each refreshes the Home tabs of recent viewers.
  const homes = refreshHomesOnRunChanges(store, (userId) => publishHome(slackClient, userId, { store, config, freezes, roles, now, catalogKeys }), now, logger);
  if (env.role === 'web' || env.role === 'all') {
    const incidents = new IncidentStore(storeRedis, env.redisPrefix);
    const incidentExists = async (runId: string, guardId: string) => (await incidents.incident(runId, guardId)) !== undefined;
    const services = { config, store, engine, now, roles, freezes, gate: createGate({ config, store, roles, now, incidentExists, freezes }) };
    // The CI API shares the Slack listener's server, in Socket Mode too (Bolt serves custom routes there on PORT).
    const apiRoutes = createApiRoutes({
      services,
      tokens: env.apiTokens,
      limiter: createTokenRateLimiter(storeRedis, env.redisPrefix),
      requestsPerMinute: env.apiRequestsPerMinute,
      logger: logger.child({ component: 'api' }),
      metrics,
    });
    slackApp = createSlackApp({
      token: env.slackBotToken,
      signingSecret: env.slackSigningSecret ?? '',
      appToken: env.slackAppToken,
      incidentActions: { engine, acknowledge: (runId, guardId, actor) => enqueueIncidentAck(queues, { runId, guardId, actor }) },
      apiUrl: env.slackApiUrl,
      port: env.port,
      ...(listen.host ? { host: listen.host } : {}),
      commands: COMMANDS,
      services,
      catalogKeys,
      logger,
      routes: [...routes, ...apiRoutes],
      metrics,
      ...(transport.dispatcher ? { proxy: { fetch: outbound, dispatcher: transport.dispatcher } } : {}),
      respondTo,
    });
    await slackApp.start();
    logger.info({ port: env.port, mode: env.slackAppToken ? 'socket' : 'http' }, env.slackAppToken ? 'connected to Slack over Socket Mode' : 'listening for Slack at /slack/events');
    logger.info({ port: env.port, tokens: env.apiTokens.map((token) => token.name) }, env.apiTokens.length > 0 ? 'serving the CI API at /api/v1' : 'CI API at /api/v1 refuses every request: API_TOKENS is not set');
  } else if (listen.opsServer ?? true) {
    opsServer = await startOpsServer({ port: env.port, routes, ...(listen.host ? { host: listen.host } : {}) });
    logger.info({ port: env.port }, 'serving /healthz, /readyz and /metrics');
  }
  if (runsWorkers) {
    workers = startWorkers({
      connection: workerConnection,
      redis: storeRedis,
      keyPrefix: env.redisPrefix,
      store,
      engine,
      queues,
      clusters,
      notifier: meterNotifier(new SlackNotifier(slackClient, outbound), metrics),
      metrics,
      logger,
      now,
      startRollback: (request) => startRollback(request, { store, engine, now, config }),
      concurrency: env.workerConcurrency,
      lockDurationMs: env.workerLockMs,
      messageLagBoundMs: env.messageLagBoundMs,
      reconcileEveryMs: env.reconcileIntervalMs,
      pagerduty,
      incidentNotifier: new SlackIncidentNotifier(slackClient),
      probeProviders: createProbeProviders(env.probeConnectTo, outbound),
      dryRun: { config, freezes, replier: createDryRunReplier(slackClient, respondTo), fetch: outbound },
      auditChannelOf: (environment) => config.catalog.environments[environment]?.emergency?.auditChannel,
    });
    logger.info({ concurrency: env.workerConcurrency }, 'workers started');
  }
  return {
    metrics,
    readiness,
    async stop() {
      stopping = true;
      homes.close();
      await slackApp?.stop();
      await workers?.close();
      await queues.close();
      await opsServer?.close();
      redis.disconnect();
      workerConnection.disconnect();
      storeRedis.disconnect();
      // Last, when nothing sends any more: the proxies' idle keep-alive connections.
      await transport.dispatcher?.destroy();
    },
  };
}

/** The identity of each distinct context; one that cannot be resolved yet fails its first step instead, as before. */
function identitiesOf(clusters: ClusterAccess, contexts: readonly string[]): string[] {
  return [...new Set(contexts)].map((context) => {
    try {
      return clusterIdentity(clusters.forContext(context));
    } catch {
      return `${context}=unresolved`;
    }
  });
}
