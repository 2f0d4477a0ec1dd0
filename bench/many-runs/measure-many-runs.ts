import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startKubernetesEmulator, writeKubeconfigFor } from '../../sandbox/kubernetes/index.js';
import { SlackDriver, startSlackEmulator, type RecordedCall, type SlackEmulator } from '../../sandbox/slack/index.js';
import { startFlightdeckProcess } from '../../test/support/flightdeck-process.js';
import { BENCH_CONTAINER, ROLLOUT_ONLY_CHECKLIST, benchCatalog, channelId, placementOf, repositoryOf, serviceName } from '../bench-catalog.js';
import { latencyStats, type LatencyStats } from '../latency-stats.js';
import { describeMessageLag, measureMessageLag, messageBoundMs, type MessageLagFigures } from '../message-lag.js';
import { processCpuSeconds } from '../process-cpu.js';
import { processMemory } from '../process-memory.js';
import { startBenchRedis } from '../start-bench-redis.js';
import { readRunOutcomes } from './read-run-outcomes.js';
import { summarizeCpuProfile, type HotFunction } from './summarize-cpu-profile.js';
import { tallyChannels, type ChannelTally } from './tally-channels.js';
import { tallyKubernetes, tallyRedis, tallySlack, type CallTally } from './tally-calls.js';

const SIGNING_SECRET = 'bench-signing-secret';
const REPLICAS = 1;
/** The emulator's controller resync period (its default is 25 ms, which would saturate a core here). */
const EMULATOR_TICK_MS = 250;
/** /deploys in flight at once while the runs are created. */
const DEPLOY_CONCURRENCY = 50;

export interface ManyRunsOptions {
  runs: number;
  workerConcurrency: number;
  channels: number;
  readyDelayMs: number;
  timeoutS: number;
  cpuProfDir: string | undefined;
  /** Write the Slack calls of the window here, one JSON line each (method, channel, thread, status, ms from the first /deploy). */
  slackCallLog?: string;
  log: (line: string) => void;
}

export interface ManyRunsResult {
  runs: number;
  workerConcurrency: number;
  channels: number;
  readyDelayMs: number;
  replicas: number;
  /** How long the signed /deploys took to be acked (closed loop, {@link DEPLOY_CONCURRENCY} in flight). */
  createMs: number;
  createAcks: LatencyStats;
  createRefused: number;
  /** Runs by final state as stored in Redis (non-terminal states mean the time limit ran out). */
  states: Record<string, number>;
  terminal: number;
  /** From the first /deploy to the last run's `endedAt`. */
  wallToTerminalMs: number | undefined;
  runsPerSecond: number | undefined;
  /** Run messages showing their outcome in Slack, and when the last one did. */
  renderedFinal: number;
  /** Messages in the run channels at the end: one per run means nothing was posted twice. */
  messagesPosted: number;
  wallToRenderedMs: number | undefined;
  /** How soon each message showed its run as it ended; any message over the bound fails the phase. */
  messageLag: MessageLagFigures;
  timedOut: boolean;
  peakRssMiB: number | undefined;
  /**
   * When /metrics (polled every 0.5 s) first counted every run terminal, and flightdeck's CPU seconds until
   * then, and the bench process's (emulators): whether the runs themselves were CPU-bound, and where.
   * Undefined when the metric never got there first.
   */
  runPhase: { wallMs: number; flightdeckCpuSeconds: number | undefined; benchCpuSeconds: number } | undefined;
  /** CPU seconds used during the window by flightdeck, the bench process (emulators) and Redis. */
  cpuSeconds: { flightdeck: number | undefined; emulators: number; redis: number };
  windowMs: number;
  kubernetes: CallTally;
  slack: CallTally & { rateLimited: number };
  /** The Slack writes per channel and the 429s behind the time until every message is final. */
  slackChannels: ChannelTally;
  redis: CallTally;
  cpuProfile: HotFunction[] | undefined;
  cpuProfilePath: string | undefined;
  flightdeckExitCode: number | null;
}

/** Sum of `flightdeck_runs_total` on /metrics (runs that reached a terminal state); 0 when unreadable. */
async function finishedRunsMetric(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((res) => (res.ok ? res.text() : ''), () => '');
  let total = 0;
  for (const match of text.matchAll(/^flightdeck_runs_total\{[^}]*\} (\d+)/gm)) total += Number(match[1]);
  return total;
}

function finishedMessages(slack: SlackEmulator, channels: readonly string[]): number {
  let done = 0;
  for (const channel of channels) {
    for (const message of slack.messages(channel)) if (message.blocks.some((block) => block.block_id === 'outcome')) done += 1;
  }
  return done;
}

function redisCpuSeconds(info: string): number {
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

function writeSlackCallLog(path: string, calls: readonly RecordedCall[], t0: number): void {
  const line = (call: RecordedCall) =>
    JSON.stringify({ method: call.method, channel: call.args.channel, thread: call.args.thread_ts !== undefined, status: call.status, atMs: call.at - t0 });
  writeFileSync(path, calls.map(line).join('\n'));
}

const PROFILE_PRELOAD = join(import.meta.dirname, 'record-cpu-profile.mjs');

/** Asks the preloaded profiler to write its profile and waits up to 30 s for the file. */
async function collectProfile(pid: number, path: string): Promise<string | undefined> {
  process.kill(pid, 'SIGUSR2');
  const until = Date.now() + 30_000;
  let size = -1;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    const now = existsSync(path) ? statSync(path).size : -1;
    if (now > 0 && now === size) return path;
    size = now;
  }
  return undefined;
}

/**
 * Item 2 of issue 7: `runs` runs of a set-image + wait-rollout checklist, created by signed /deploys for
 * distinct services (each with its Deployment in the Kubernetes emulator), through one flightdeck process
 * in role `all`. Slack is rate limited per channel as Slack does for posting. Stops at the first of: every
 * run's message shows its outcome, or `timeoutS`. Every process it starts is stopped before it returns.
 */
export async function measureManyRuns(options: ManyRunsOptions): Promise<ManyRunsResult> {
  const { runs, log } = options;
  const channels = Array.from({ length: options.channels }, (_, i) => channelId(i));
  const redis = await startBenchRedis();
  const slack = await startSlackEmulator({ channels });
  // One cluster, as a team deploying these services would have: every Deployment in one emulator instance.
  const k8s = await startKubernetesEmulator({ readyDelayMs: options.readyDelayMs, tickMs: EMULATOR_TICK_MS });
  const cleanups: (() => Promise<unknown>)[] = [() => k8s.close(), () => slack.close(), () => redis.stop()];
  try {
    for (const method of ['chat.postMessage', 'chat.update']) slack.rateLimit({ method, perChannelPerSecond: 1 });
    for (let i = 0; i < runs; i += 1) {
      const name = serviceName(i);
      k8s.seedDeployment({ namespace: name, name, container: BENCH_CONTAINER, image: `${repositoryOf(name)}:v1.0.0`, replicas: REPLICAS });
    }
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'flightdeck-bench-kube-')), 'kubeconfig');
    writeKubeconfigFor(kubeconfig, [{ context: placementOf(0, runs, 1).context, emulator: k8s }]);
    const profileDir = options.cpuProfDir === undefined ? undefined : resolve(options.cpuProfDir);
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const profileTarget = profileDir ? join(profileDir, `flightdeck-many-runs-${Date.now()}.cpuprofile`) : undefined;
    const flightdeck = await startFlightdeckProcess({
      slackApiUrl: slack.apiUrl,
      botToken: slack.token,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: kubeconfig,
      catalog: benchCatalog(runs),
      checklists: { release: ROLLOUT_ONLY_CHECKLIST },
      env: {
        REDIS_URL: redis.url,
        LOG_LEVEL: 'info',
        WORKER_CONCURRENCY: String(options.workerConcurrency),
        ...(profileTarget ? { NODE_OPTIONS: `--import=${PROFILE_PRELOAD}`, FLIGHTDECK_CPU_PROFILE: profileTarget } : {}),
      },
    });
    let flightdeckExitCode: number | null = null;
    cleanups.unshift(async () => (flightdeckExitCode = await flightdeck.stop()));
    const pid = flightdeck.child.pid ?? -1;
    const driver = new SlackDriver({ appUrl: flightdeck.eventsUrl, signingSecret: SIGNING_SECRET, emulator: slack });

    const k8sFrom = k8s.requests.length;
    const slackFrom = slack.calls.length;
    const cpuBefore = { flightdeck: processCpuSeconds(pid), emulators: process.cpuUsage(), redis: redisCpuSeconds(await redis.client.info('cpu')) };
    await redis.resetStats();
    const t0 = Date.now();
    log(`many runs: ${runs} signed /deploys from ${channels.length} channels, ${DEPLOY_CONCURRENCY} in flight`);
    const acks: number[] = [];
    let refused = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: DEPLOY_CONCURRENCY }, async () => {
        while (next < runs) {
          const i = next++;
          const sent = performance.now();
          const text = `${serviceName(i)} v2.0.0 to ${placementOf(i, runs, 1).environment}`;
          const response = await driver.slashCommand({ command: '/deploy', text, channelId: channels[i % channels.length] as string });
          acks.push(performance.now() - sent);
          if (response.status !== 200 || !/Run #\d+: deploying/.test(response.body)) refused += 1;
        }
      }),
    );
    const createMs = Date.now() - t0;
    log(`many runs: ${runs - refused} runs created in ${createMs} ms; waiting for every run message to show its outcome`);

    const deadline = t0 + options.timeoutS * 1000;
    let rendered = 0;
    let lastLog = Date.now();
    let terminalSeen: { atMs: number; cpu: number | undefined; benchCpu: number } | undefined;
    let lastMetricsPoll = 0;
    while (Date.now() < deadline) {
      rendered = finishedMessages(slack, channels);
      if (rendered >= runs - refused) break;
      if (!terminalSeen && Date.now() - lastMetricsPoll >= 500) {
        lastMetricsPoll = Date.now();
        if ((await finishedRunsMetric(flightdeck.url)) >= runs - refused) {
          const bench = process.cpuUsage(cpuBefore.emulators);
          terminalSeen = { atMs: Date.now() - t0, cpu: processCpuSeconds(pid), benchCpu: (bench.user + bench.system) / 1e6 };
        }
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`many runs: ${rendered} of ${runs} messages final after ${Math.round((Date.now() - t0) / 1000)} s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const windowMs = Date.now() - t0;
    if (options.slackCallLog) writeSlackCallLog(options.slackCallLog, slack.calls.slice(slackFrom), t0);
    const timedOut = rendered < runs - refused;
    const commandStats = await redis.commandStats();
    const messagesPosted = channels.reduce((total, channel) => total + slack.messages(channel).length, 0);
    const peakRssMiB = processMemory(pid)?.peakRssMiB;
    const flightdeckCpu = processCpuSeconds(pid);
    const emulatorCpu = process.cpuUsage(cpuBefore.emulators);
    const redisCpu = redisCpuSeconds(await redis.client.info('cpu')) - cpuBefore.redis;
    const kubernetes = tallyKubernetes(k8s.requests.slice(k8sFrom), runs);
    const slackCalls = tallySlack(slack.calls.slice(slackFrom), runs);
    const outcomes = await readRunOutcomes(redis.client, flightdeck.redisPrefix);
    const messageLag = await measureMessageLag({
      redis: redis.client,
      prefix: flightdeck.redisPrefix,
      slack,
      boundMs: messageBoundMs(Math.ceil(runs / channels.length)),
      waitMs: 0,
    });
    log(`many runs: ${describeMessageLag(messageLag)}`);
    const lastEnded = outcomes.lastEndedAt;

    const profilePath = profileTarget ? await collectProfile(pid, profileTarget) : undefined;
    await cleanups.shift()?.();
    return {
      runs,
      workerConcurrency: options.workerConcurrency,
      channels: channels.length,
      readyDelayMs: options.readyDelayMs,
      replicas: REPLICAS,
      createMs,
      createAcks: latencyStats(acks),
      createRefused: refused,
      states: outcomes.states,
      terminal: outcomes.terminal,
      wallToTerminalMs: lastEnded === undefined ? undefined : lastEnded - t0,
      runsPerSecond: lastEnded === undefined ? undefined : outcomes.terminal / ((lastEnded - t0) / 1000),
      renderedFinal: rendered,
      messagesPosted,
      wallToRenderedMs: timedOut ? undefined : windowMs,
      messageLag,
      timedOut,
      peakRssMiB,
      cpuSeconds: {
        flightdeck: flightdeckCpu === undefined || cpuBefore.flightdeck === undefined ? undefined : flightdeckCpu - cpuBefore.flightdeck,
        emulators: (emulatorCpu.user + emulatorCpu.system) / 1e6,
        redis: redisCpu,
      },
      windowMs,
      runPhase: terminalSeen && {
        wallMs: terminalSeen.atMs,
        flightdeckCpuSeconds: terminalSeen.cpu === undefined || cpuBefore.flightdeck === undefined ? undefined : terminalSeen.cpu - cpuBefore.flightdeck,
        benchCpuSeconds: terminalSeen.benchCpu,
      },
      kubernetes,
      slack: slackCalls,
      slackChannels: tallyChannels(slack.calls.slice(slackFrom), windowMs),
      redis: tallyRedis(commandStats, runs),
      cpuProfile: profilePath ? summarizeCpuProfile(profilePath) : undefined,
      cpuProfilePath: profilePath,
      flightdeckExitCode,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => log(`cleanup failed: ${String(err)}`));
  }
}
