import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/load-config.js';
import { loadEnv } from '../src/config/load-env.js';
import { createLogger } from '../src/observability/create-logger.js';
import { startFlightdeck } from '../src/start-flightdeck.js';
import { DemoMetrics } from './demo-metrics.js';
import { DEMO_CHANNEL, DEMO_CHANNEL_NAME, DEMO_ESCALATION_POLICY, DEMO_PEOPLE, DEMO_ROUTING_KEY_ENV, demoCatalog, demoNamespaces, seedDemoCluster } from './demo-world.js';
import { findRedis, freePort } from './find-redis.js';
import { startKubernetesEmulator } from './kubernetes/index.js';
import { WORKER_ACCOUNT, loadChartRbac } from './kubernetes/load-chart-rbac.js';
import { startPagerDutyEmulator } from './pagerduty/index.js';
import { startPrometheusEmulator } from './prometheus/index.js';
import { writeSandboxChecklists } from './sandbox-checklists.js';
import { sandboxSnapshot, type AckReply } from './sandbox-snapshot.js';
import { serveSandboxPage } from './serve-sandbox-page.js';
import { SlackDriver, startSlackEmulator } from './slack/index.js';

const SIGNING_SECRET = 'sandbox-signing-secret';
/** The sandbox's keys; emptied at every start, so each session begins with no runs. */
const REDIS_PREFIX = 'flightdeck-sandbox';
const USAGE = 'Usage: flightdeck sandbox   (PORT sets the port, default 3000; REDIS_URL a Redis to use)';

export interface SandboxIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface RunningSandbox {
  url: string;
  stop(): Promise<void>;
}

/**
 * `flightdeck sandbox`: flightdeck itself (Bolt over HTTP, the BullMQ workers, the run store in Redis, the
 * real Kubernetes and PagerDuty clients) against the Slack, Kubernetes, Prometheus and PagerDuty emulators,
 * with a demo catalog and the shipped checklists (waits shortened), and a page on 127.0.0.1:PORT to drive it.
 * Prints one line, the page's address; flightdeck's log goes to .flightdeck/sandbox/flightdeck.log.
 */
export async function startSandbox(args: string[], env: Record<string, string | undefined>, io: SandboxIo): Promise<RunningSandbox | number> {
  if (args.length > 0) {
    io.stderr(`Unknown option "${args[0]}".\n${USAGE}\n`);
    return 2;
  }
  const dir = resolve('.flightdeck/sandbox');
  mkdirSync(dir, { recursive: true });
  const closers: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const redis = await findRedis(env.REDIS_URL, resolve('.flightdeck/redis'));
    closers.push(() => redis.stop());
    const cleaner = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const keys = await cleaner.keys(`{${REDIS_PREFIX}}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    cleaner.disconnect();

    const slack = await startSlackEmulator({ channels: [DEMO_CHANNEL], users: DEMO_PEOPLE.map(({ roles: _roles, ...user }) => user) });
    closers.push(() => slack.close());
    const k8s = await startKubernetesEmulator({ readyDelayMs: 1500 });
    closers.push(() => k8s.close());
    const prometheus = await startPrometheusEmulator();
    closers.push(() => prometheus.close());
    const pagerduty = await startPagerDutyEmulator();
    closers.push(() => pagerduty.close());
    const onCall = DEMO_PEOPLE.find((p) => p.roles.includes('oncall'));
    if (onCall) pagerduty.setOnCall(DEMO_ESCALATION_POLICY, [pagerduty.addUser({ name: onCall.realName ?? onCall.name, email: onCall.email ?? '' }).id]);
    seedDemoCluster(k8s);
    k8s.applyRbac(loadChartRbac(demoNamespaces()));

    const port = Number(env.PORT ?? 3000);
    const host = env.SANDBOX_HOST ?? '127.0.0.1';
    const checklistDir = join(dir, 'checklists');
    writeSandboxChecklists(resolve('checklists'), checklistDir, `http://127.0.0.1:${port}/sandbox/health/{{deployment}}`);
    const catalogPath = join(dir, 'flightdeck.yaml');
    writeFileSync(catalogPath, demoCatalog(prometheus.url));
    const kubeconfig = join(dir, 'kubeconfig');
    k8s.writeKubeconfig(kubeconfig, 'sandbox', k8s.serviceAccountToken(WORKER_ACCOUNT.namespace, WORKER_ACCOUNT.name));
    const caFile = join(dir, 'pagerduty-ca.pem');
    writeFileSync(caFile, pagerduty.ca);

    const flightdeckPort = await freePort();
    const flightdeckEnv = loadEnv({
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX,
      FLIGHTDECK_CONFIG: catalogPath,
      FLIGHTDECK_CHECKLISTS: checklistDir,
      PORT: String(flightdeckPort),
      LOG_LEVEL: env.LOG_LEVEL ?? 'info',
      KUBECONFIG: kubeconfig,
      RECONCILE_INTERVAL_MS: '2000',
      PAGERDUTY_EVENTS_SERVER: pagerduty.eventsServer,
      PAGERDUTY_API_URL: pagerduty.apiUrl,
      PAGERDUTY_API_TOKEN: pagerduty.apiToken,
      PAGERDUTY_CA_FILE: caFile,
      [DEMO_ROUTING_KEY_ENV]: pagerduty.routingKey,
    });
    const log = createWriteStream(join(dir, 'flightdeck.log'), { flags: 'a' });
    closers.push(() => new Promise((done) => log.end(done)));
    const logger = createLogger(flightdeckEnv.logLevel, log);
    const flightdeck = await startFlightdeck(await loadConfig(flightdeckEnv), logger, Date.now, { host: '127.0.0.1' });
    closers.push(() => flightdeck.stop());

    const driver = new SlackDriver({
      appUrl: `http://127.0.0.1:${flightdeckPort}/slack/events`,
      signingSecret: SIGNING_SECRET,
      emulator: slack,
      channelNames: { [DEMO_CHANNEL]: DEMO_CHANNEL_NAME },
    });
    const metrics = new DemoMetrics(prometheus, checklistDir);
    const ackReplies: AckReply[] = [];
    const page = await serveSandboxPage({
      port,
      host,
      flightdeckPort,
      driver,
      metrics,
      ackReplies,
      snapshot: () => sandboxSnapshot({ slack, k8s, pagerduty, metrics, ackReplies }),
    });
    closers.push(
      () =>
        new Promise((done) => {
          page.close(done);
          // The page's event streams never end by themselves.
          page.closeAllConnections();
        }),
    );
    const url = `http://${host}:${port}`;
    io.stdout(`flightdeck sandbox: open ${url}\n`);
    return { url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
