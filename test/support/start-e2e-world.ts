import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { RunStore } from '../../src/run/store/run-store.js';
import { BOT_SCOPES } from '../../src/slack/build-manifest.js';
import {
  startKubernetesEmulator,
  writeKubeconfigFor,
  type KubernetesEmulator,
  type KubernetesEmulatorOptions,
  type KObject,
  type SeedDeploymentOptions,
} from '../../sandbox/kubernetes/index.js';
import { WORKER_ACCOUNT, loadChartRbac } from '../../sandbox/kubernetes/load-chart-rbac.js';
import { SlackDriver, startSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from '../../sandbox/slack/index.js';
import { startFlightdeckProcess, type FlightdeckProcess } from './flightdeck-process.js';
import { slackMethodsInSrc } from './slack-methods-in-src.js';

export interface E2eWorldOptions {
  /** `http`: the driver signs POSTs to the events URL; `socket`: flightdeck gets `SLACK_APP_TOKEN` and the driver uses its connection. */
  mode: 'http' | 'socket';
  /** flightdeck.yaml content. */
  catalog: string;
  /** Checklist files by name (without .yaml). */
  checklists: Record<string, string>;
  /** Deployments seeded into the first cluster before flightdeck starts; default none. */
  deployments?: SeedDeploymentOptions[];
  /** Options of every Kubernetes emulator (readyDelayMs, tls); emulator defaults otherwise. */
  kubernetes?: KubernetesEmulatorOptions;
  /** Kube contexts, one emulator each, written into one kubeconfig (the first current); default `['emulator']`. */
  contexts?: string[];
  /** Slack emulator options (channels, users, usergroups); emulator defaults otherwise. */
  slack?: SlackEmulatorOptions;
  /** Signing secret flightdeck and the HTTP driver share; default `e2e-signing-secret`. */
  signingSecret?: string;
  /** Extra environment for the flightdeck process. */
  env?: Record<string, string>;
  /**
   * Who flightdeck is in every cluster. `worker` (default): the chart's worker account, authorized by the
   * chart's Role and RoleBinding in every namespace the catalog names (what `rbac.targetNamespaces` is set
   * to in an install), so any call the chart does not allow fails with the API server's 403.
   * `admin`: allowed everything.
   */
  identity?: 'worker' | 'admin';
  /** Changes the chart Role's rules before they are loaded, e.g. to take one verb away; default none. */
  editRole?: (rules: KObject[]) => KObject[];
  /** Runs after the emulators start and before flightdeck does, for fixtures beyond Deployments. */
  beforeStart?: (world: { slack: SlackEmulator; k8s: KubernetesEmulator; clusters: Record<string, KubernetesEmulator> }) => void | Promise<void>;
}

/** Everything one e2e test file talks to: emulators, the built flightdeck process, a driver and its Redis keys. */
export interface E2eWorld {
  slack: SlackEmulator;
  /** The first cluster's emulator. */
  k8s: KubernetesEmulator;
  /** Every cluster's emulator by context name. */
  clusters: Record<string, KubernetesEmulator>;
  flightdeck: FlightdeckProcess;
  driver: SlackDriver;
  redis: Redis;
  store: RunStore;
  kubeconfig: string;
  signingSecret: string;
  /**
   * Stops flightdeck (SIGTERM), deletes its `{prefix}*` keys, closes Redis and the emulators; returns flightdeck's
   * exit code. Throws when flightdeck called a Slack method the scan of src/ behind the manifest-scope test does
   * not know, or was refused one for a scope the manifest lacks.
   */
  stop(): Promise<number | null>;
}

/**
 * Starts the Slack and Kubernetes emulators, seeds Deployments, writes a kubeconfig, spawns the built flightdeck
 * (in Socket Mode for `mode: 'socket'`, waiting for its connection) and opens a Redis client and a RunStore on
 * its key prefix. On failure everything already started is closed again and the error is rethrown.
 */
export async function startE2eWorld(options: E2eWorldOptions): Promise<E2eWorld> {
  const signingSecret = options.signingSecret ?? 'e2e-signing-secret';
  const closers: Array<() => Promise<void> | void> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    // The bot holds exactly the manifest's scopes, so a call needing another fails here as in a real install.
    const slack = await startSlackEmulator({ scopes: BOT_SCOPES, ...options.slack });
    closers.push(() => slack.close());
    const clusters: Record<string, KubernetesEmulator> = {};
    for (const context of options.contexts ?? ['emulator']) {
      const emulator = await startKubernetesEmulator(options.kubernetes);
      closers.push(() => emulator.close());
      clusters[context] = emulator;
    }
    const k8s = Object.values(clusters)[0]!;
    for (const deployment of options.deployments ?? []) k8s.seedDeployment(deployment);
    await options.beforeStart?.({ slack, k8s, clusters });
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-kube-')), 'kubeconfig');
    const asWorker = (options.identity ?? 'worker') === 'worker';
    if (asWorker) {
      const rbac = loadChartRbac(catalogNamespaces(options.catalog), options.editRole);
      for (const emulator of Object.values(clusters)) emulator.applyRbac(rbac);
    }
    writeKubeconfigFor(
      kubeconfig,
      Object.entries(clusters).map(([context, emulator]) => ({
        context,
        emulator,
        ...(asWorker ? { token: emulator.serviceAccountToken(WORKER_ACCOUNT.namespace, WORKER_ACCOUNT.name) } : {}),
      })),
    );
    const flightdeck = await startFlightdeckProcess({
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret,
      kubeconfigPath: kubeconfig,
      catalog: options.catalog,
      checklists: options.checklists,
      env: { ...(options.mode === 'socket' ? { SLACK_APP_TOKEN: slack.appToken } : {}), ...options.env },
    });
    closers.push(async () => void (await flightdeck.stop()));
    const driver =
      options.mode === 'socket'
        ? new SlackDriver({ mode: 'socket', emulator: slack })
        : new SlackDriver({ appUrl: flightdeck.eventsUrl, signingSecret, emulator: slack });
    if (options.mode === 'socket') await slack.socketMode.waitForConnection(10_000);
    const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    const store = new RunStore(redis, flightdeck.redisPrefix);
    return {
      slack,
      k8s,
      clusters,
      flightdeck,
      driver,
      redis,
      store,
      kubeconfig,
      signingSecret,
      async stop() {
        const code = await flightdeck.stop();
        try {
          const keys = await redis.keys(`{${flightdeck.redisPrefix}}*`);
          if (keys.length > 0) await redis.del(...keys);
        } finally {
          redis.disconnect();
          await closeAll();
        }
        checkSlackCalls(slack);
        return code;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The e2e half of test/unit/manifest-scopes.test.ts: what flightdeck really called is what that test reasons about. */
function checkSlackCalls(slack: SlackEmulator): void {
  const known = new Set(slackMethodsInSrc().map((use) => use.method));
  const unknown = [...new Set(slack.calls.map((call) => call.method).filter((method) => !known.has(method)))];
  if (unknown.length > 0) throw new Error(`flightdeck called Slack methods test/support/slack-methods-in-src.ts does not find in src/: ${unknown.join(', ')}`);
  const refused = slack.calls.filter((call) => call.response.error === 'missing_scope').map((call) => `${call.method} (needs ${String(call.response.needed)})`);
  if (refused.length > 0) throw new Error(`Slack refused calls for a scope the manifest lacks: ${[...new Set(refused)].join(', ')}`);
}

/** Every `namespace:` value in the catalog (services and their per-environment overrides). */
function catalogNamespaces(catalog: string): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'namespace' && typeof v === 'string') found.add(v);
        else visit(v);
      }
    }
  };
  visit(parse(catalog));
  return [...found];
}
