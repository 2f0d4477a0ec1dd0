import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { createRedis, type RedisClient } from '../../../src/run/store/create-redis.js';
import { RunStore } from '../../../src/run/store/run-store.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../../sandbox/kubernetes/index.js';
import { SlackDriver, startSlackEmulator, type DriverResponse, type SlackEmulator } from '../../../sandbox/slack/index.js';
import { startFlightdeckProcess, type FlightdeckProcess } from '../../support/flightdeck-process.js';
import { FAULT_CHANNEL, FAULT_CHECKLISTS, FAULT_NAMESPACE, faultCatalog, imageOf, serviceNames, type CatalogExtras } from './fault-catalog.js';

export const SIGNING_SECRET = 'faults-signing-secret';
export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

export interface FaultClusterOptions {
  /** Services (and Deployments) in the catalog. */
  services: number;
  /** Worker-only processes beside the web process; 0 runs one process in role `all`. */
  workers: number;
  /** Default: the shared Redis on 127.0.0.1:6379. */
  redisUrl?: string;
  /** `WORKER_LOCK_MS` of every worker; default 2000. */
  lockMs?: number;
  /** Deliver over Socket Mode instead of signed HTTP. */
  socketMode?: boolean;
  /** Pod readiness delay in the Kubernetes emulator; default 100 ms. */
  readyDelayMs?: number;
  /** Catalog additions (environments, per-service lines) and the checklists they name. */
  extras?: CatalogExtras & { checklists?: Record<string, string> };
  /** More environment variables for every process. */
  env?: Record<string, string>;
}

/** One flightdeck deployment under test: web + workers on one Redis prefix, and both emulators. */
export interface FaultCluster {
  readonly slack: SlackEmulator;
  readonly k8s: KubernetesEmulator;
  readonly driver: SlackDriver;
  readonly store: RunStore;
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly services: string[];
  readonly web: FlightdeckProcess;
  readonly workers: FlightdeckProcess[];
  /** The environment every process gets; a restarted worker gets the same. */
  readonly env: Record<string, string>;
  /** Starts one more worker-only process and adds it to `workers`. */
  startWorker(): Promise<FlightdeckProcess>;
  /** Starts a fresh web (or `all`) process after the old one died; `web` and `driver` then point at it. */
  restartWeb(): Promise<void>;
  /** SIGKILLs `workers[index]`, waits for it to exit and removes it from `workers`. */
  killWorker(index: number): Promise<void>;
  /** `/deploy <text>` from `userId` (default U0ALICE); the run id when the reply names one. */
  deploy(text: string, userId?: string): Promise<DeployReply>;
  /** Every process's output, for diagnosing a failed scenario. */
  output(): string;
  /** Processes that exited without being told to (a crash), as `role: exit code`. */
  crashed(): string[];
  close(): Promise<void>;
}

export interface DeployReply {
  response: DriverResponse;
  text: string;
  runId: string | undefined;
}

/** The text a Slack reply shows: the ack's `text`, else the raw body. */
export function replyText(response: DriverResponse): string {
  return (response.json as { text?: string } | undefined)?.text ?? response.body;
}

export const ORIGINAL_VERSION = 'v1.0.0';

/** Starts the emulators (every service's Deployment seeded at ORIGINAL_VERSION) and flightdeck. */
export async function startFaultCluster(options: FaultClusterOptions): Promise<FaultCluster> {
  const services = serviceNames(options.services);
  const slack = await startSlackEmulator({ channels: [FAULT_CHANNEL] });
  const k8s = await startKubernetesEmulator({ readyDelayMs: options.readyDelayMs ?? 100 });
  for (const name of services) {
    k8s.seedDeployment({ namespace: FAULT_NAMESPACE, name, container: 'app', image: imageOf(name, ORIGINAL_VERSION), replicas: 2, progressDeadlineSeconds: 60 });
  }
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-faults-kube-')), 'kubeconfig');
  k8s.writeKubeconfig(kubeconfig, 'emulator');
  const prefix = `faults-${randomBytes(4).toString('hex')}`;
  const redisUrl = options.redisUrl ?? SHARED_REDIS_URL;
  const env: Record<string, string> = {
    REDIS_PREFIX: prefix,
    REDIS_URL: redisUrl,
    WORKER_LOCK_MS: String(options.lockMs ?? 2000),
    WORKER_CONCURRENCY: '16',
    // Shorter than the defaults (15 s, 10 s) so a lost render shows up, and is repaired, inside a scenario.
    MESSAGE_LAG_BOUND_MS: '5000',
    RECONCILE_INTERVAL_MS: '2000',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const spawnRole = (role: 'web' | 'worker' | 'all') =>
    startFlightdeckProcess({
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: kubeconfig,
      catalog: faultCatalog(services, options.extras),
      checklists: { ...FAULT_CHECKLISTS, ...options.extras?.checklists },
      env: { ...env, FLIGHTDECK_ROLE: role, ...(options.socketMode && role !== 'worker' ? { SLACK_APP_TOKEN: slack.appToken } : {}) },
    });
  const webRole = options.workers === 0 ? 'all' : 'web';
  let web = await spawnRole(webRole);
  const workers: FlightdeckProcess[] = [];
  const dead: FlightdeckProcess[] = [];
  for (let i = 0; i < options.workers; i += 1) workers.push(await spawnRole('worker'));
  if (options.socketMode) await slack.waitFor((s) => s.socketMode.connections > 0, 10_000, 'a Socket Mode connection');
  const driverFor = (process: FlightdeckProcess) =>
    options.socketMode
      ? new SlackDriver({ mode: 'socket', emulator: slack })
      : new SlackDriver({ appUrl: process.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });
  let driver = driverFor(web);
  const redis = createRedis(redisUrl, { maxRetriesPerRequest: null });
  // Scenario 2 stops Redis on purpose; the reconnect attempts are expected, not worth a stack trace.
  redis.on('error', () => {});
  const store = new RunStore(redis, prefix);

  return {
    slack,
    k8s,
    get driver() {
      return driver;
    },
    store,
    redis,
    prefix,
    services,
    get web() {
      return web;
    },
    workers,
    env,
    async startWorker() {
      const worker = await spawnRole('worker');
      workers.push(worker);
      return worker;
    },
    async restartWeb() {
      dead.push(web);
      await web.stop('SIGKILL');
      web = await spawnRole(webRole);
      driver = driverFor(web);
    },
    async killWorker(index) {
      const [worker] = workers.splice(index, 1);
      if (!worker) throw new Error(`no worker ${index}`);
      dead.push(worker);
      await worker.stop('SIGKILL');
    },
    async deploy(text, userId = 'U0ALICE') {
      const response = await driver.slashCommand({ command: '/deploy', text, userId, channelId: FAULT_CHANNEL });
      const shown = replyText(response);
      return { response, text: shown, runId: /Run #(\d+)/.exec(shown)?.[1] };
    },
    crashed() {
      return [web, ...workers].filter((p) => p.child.exitCode !== null || p.child.signalCode !== null).map((p) => `${p.url}: exit ${p.child.exitCode ?? p.child.signalCode}`);
    },
    output() {
      return [web, ...workers, ...dead].map((p, i) => `--- process ${i} ---\n${p.output()}`).join('\n');
    },
    async close() {
      await Promise.all([web, ...workers].map((p) => p.stop()));
      await deleteKeys(redis, prefix).catch(() => {});
      redis.disconnect();
      await slack.close();
      await k8s.close();
    },
  };
}

/** Removes every key of one prefix with SCAN (never KEYS or FLUSH: the Redis is shared). */
export async function deleteKeys(redis: RedisClient, prefix: string): Promise<void> {
  // A Cluster client sends SCAN to any one node: ask every master.
  for (const node of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await node.del(...keys);
    } while (cursor !== '0');
  }
}
