import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { checkConfig } from '../src/config/check-config.js';
import { loadCatalog } from '../src/config/load-catalog.js';
import { loadConfig } from '../src/config/load-config.js';
import { loadEnv } from '../src/config/load-env.js';
import { createLogger } from '../src/observability/create-logger.js';
import { startFlightdeck } from '../src/start-flightdeck.js';
import { DemoMetrics } from './demo-metrics.js';
import { DEMO_PEOPLE, demoCatalog } from './demo-world.js';
import { findRedis, freePort } from './find-redis.js';
import { startKubernetesEmulator, writeKubeconfigFor, type KubernetesEmulator } from './kubernetes/index.js';
import { WORKER_ACCOUNT, loadChartRbac } from './kubernetes/load-chart-rbac.js';
import { startPagerDutyEmulator } from './pagerduty/index.js';
import { startPrometheusEmulator } from './prometheus/index.js';
import { writeSandboxChecklists } from './sandbox-checklists.js';
import { sandboxSnapshot, type AckReply } from './sandbox-snapshot.js';
import { SANDBOX_START_VERSION, sandboxWorld } from './sandbox-world.js';
import { seedSandboxClusters } from './seed-sandbox-clusters.js';
import { serveSandboxPage } from './serve-sandbox-page.js';
import { sourceDir } from './source-dir.js';
import { SlackDriver, startSlackEmulator } from './slack/index.js';
import { writeSandboxCatalog } from './write-sandbox-catalog.js';

const SIGNING_SECRET = 'sandbox-signing-secret';
/** The checklists shipped beside sandbox/, found from this module wherever the sandbox is started. */
const SHIPPED_CHECKLISTS = join(sourceDir(import.meta.dirname), '..', 'checklists');
const USAGE = `Usage: flightdeck sandbox [--catalog <flightdeck.yaml> --checklists <folder>]
  Without options: the demo catalog and the shipped checklists. With them: your own, validated as
  \`flightdeck check\` does, against an emulated cluster made to match the catalog.
  PORT sets the page's port (default 3000), REDIS_URL a Redis to use.`;

/** Parses the options, or says what is wrong with them. */
function parseOptions(args: string[]): { catalog?: string; checklists?: string } | string {
  try {
    const { values } = parseArgs({ args, options: { catalog: { type: 'string' }, checklists: { type: 'string' } }, strict: true, allowPositionals: false });
    if (values.checklists !== undefined && values.catalog === undefined) return '--checklists needs --catalog: the demo catalog runs the shipped checklists.';
    return values;
  } catch (err) {
    return (err as Error).message;
  }
}

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
  const options = parseOptions(args);
  if (typeof options === 'string') {
    io.stderr(`${options}\n${USAGE}\n`);
    return 2;
  }
  const dir = resolve('.flightdeck/sandbox');
  mkdirSync(dir, { recursive: true });
  const demo = options.catalog === undefined;
  const catalogSource = options.catalog === undefined ? join(dir, 'demo-catalog.yaml') : resolve(options.catalog);
  if (demo) writeFileSync(catalogSource, demoCatalog());
  const checklistSource = options.checklists === undefined ? SHIPPED_CHECKLISTS : resolve(options.checklists);
  // The same validation as `flightdeck check`, worded the same: a file that would stop flightdeck stops the sandbox.
  // Paths as typed, so the problems name the files as `flightdeck check` would.
  const problems = await checkConfig({ configPath: options.catalog ?? catalogSource, checklistDir: options.checklists ?? checklistSource });
  if (problems.length > 0) {
    io.stderr(`${problems.join('\n')}\n${problems.length} problem(s) found\n`);
    return 1;
  }
  const world = sandboxWorld(await loadCatalog(catalogSource), DEMO_PEOPLE);
  const port = Number(env.PORT ?? 3000);
  // Per port, so two sandboxes side by side (tests, a second checkout) never empty each other's keys.
  const redisPrefix = `flightdeck-sandbox-${port}`;
  const closers: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const redis = await findRedis(env.REDIS_URL, resolve('.flightdeck/redis'));
    closers.push(() => redis.stop());
    const cleaner = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const keys = await cleaner.keys(`{${redisPrefix}}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    cleaner.disconnect();

    const slack = await startSlackEmulator({
      channels: [world.channel.id],
      users: world.people.map(({ roles: _roles, ...user }) => user),
      usergroups: world.usergroups,
    });
    closers.push(() => slack.close());
    const clusters = new Map<string, KubernetesEmulator>();
    for (const context of world.clusters) {
      const k8s = await startKubernetesEmulator({ readyDelayMs: 1500 });
      closers.push(() => k8s.close());
      clusters.set(context, k8s);
      k8s.applyRbac(loadChartRbac([...new Set(world.targets.filter((t) => t.cluster === context).map((t) => t.namespace))]));
    }
    seedSandboxClusters(clusters, world.targets);
    const prometheus = await startPrometheusEmulator();
    closers.push(() => prometheus.close());
    const pagerduty = await startPagerDutyEmulator();
    closers.push(() => pagerduty.close());
    for (const [policy, personId] of Object.entries(world.onCall)) {
      const person = world.people.find((p) => p.id === personId);
      const pdUser = pagerduty.addUser({ name: person?.realName ?? personId, email: person?.email ?? '' });
      pagerduty.setOnCall(policy, [pdUser.id]);
    }

    const host = env.SANDBOX_HOST ?? '127.0.0.1';
    const checklistDir = join(dir, 'checklists');
    // A checklist left from the last session (the demo's, another folder's) must not be run by this one.
    rmSync(checklistDir, { recursive: true, force: true });
    const probeNotes = writeSandboxChecklists(checklistSource, checklistDir, { healthUrl: `http://127.0.0.1:${port}/sandbox/health/{{deployment}}`, demoGuards: demo });
    const catalogPath = join(dir, 'flightdeck.yaml');
    writeSandboxCatalog(catalogSource, catalogPath, prometheus.url);
    const kubeconfig = join(dir, 'kubeconfig');
    writeKubeconfigFor(
      kubeconfig,
      [...clusters].map(([context, emulator]) => ({ context, emulator, token: emulator.serviceAccountToken(WORKER_ACCOUNT.namespace, WORKER_ACCOUNT.name) })),
    );
    const caFile = join(dir, 'pagerduty-ca.pem');
    writeFileSync(caFile, pagerduty.ca);

    const flightdeckPort = await freePort();
    const flightdeckEnv = loadEnv({
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redisPrefix,
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
      ...Object.fromEntries(world.routingKeyEnvs.map((name) => [name, pagerduty.routingKey])),
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
      channelNames: { [world.channel.id]: world.channel.name },
    });
    const metrics = new DemoMetrics(prometheus, world.targets, checklistDir);
    const ackReplies: AckReply[] = [];
    const page = await serveSandboxPage({
      port,
      host,
      flightdeckPort,
      world,
      slack,
      driver,
      metrics,
      ackReplies,
      snapshot: () => sandboxSnapshot({ world, slack, clusters, pagerduty, metrics, ackReplies }),
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
    if (!demo) {
      const services = new Set(world.targets.map((t) => t.service)).size;
      io.stdout(
        `flightdeck sandbox: ${catalogSource} with ${checklistSource}: ${services} service(s), ${world.targets.length} Deployment(s) on ${SANDBOX_START_VERSION} ` +
          `in the emulated cluster(s) ${world.clusters.join(', ')}; ${world.people.length} people from the catalog's roles.\n`,
      );
      const unanswered = metrics.unanswerable.map((query) => `the Prometheus query ${query} names a variable only a run knows; it answers no data here.`);
      for (const note of [...world.notes, ...probeNotes, ...unanswered]) io.stdout(`flightdeck sandbox: not as in production: ${note}\n`);
    }
    io.stdout(`flightdeck sandbox: open ${url}\n`);
    return { url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
