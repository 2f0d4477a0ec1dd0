import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROLLOUT_ONLY_CHECKLIST, benchCatalog, channelId } from '../bench-catalog.js';
import { latencyStats, type LatencyStats } from '../latency-stats.js';
import { describeMessageLag, messageBoundMs, type MessageLagFigures } from '../message-lag.js';
import { processCpuSeconds } from '../process-cpu.js';
import { startBenchRedis } from '../start-bench-redis.js';
import { collectProfile } from './collect-profile.js';
import { readRunOutcomes } from './read-run-outcomes.js';
import { sendDeploys, DEPLOY_CONCURRENCY } from './send-deploys.js';
import { startEmulatorProcess } from './start-emulator-process.js';
import { startFlightdeckFleet } from './start-flightdeck-fleet.js';
import { summarizeCpuProfile, type HotFunction } from './summarize-cpu-profile.js';
import type { ChannelTally } from './tally-channels.js';
import { tallyRedis, type CallTally } from './tally-calls.js';
import type { RedisUse } from './tally-redis-uses.js';

const SIGNING_SECRET = 'bench-signing-secret';
const REPLICAS = 1;
/** The emulator's controller resync period (its default is 25 ms, which would saturate a core here). */
const EMULATOR_TICK_MS = 250;
/** How often the bench asks the emulator process how many messages are final, and flightdeck's /metrics how many runs ended. */
const POLL_MS = 500;
/** The counter of BullMQ jobs found stalled (a lock lost mid-job), when flightdeck exports it. */
const STALLED_METRIC = 'flightdeck_jobs_stalled_total';

export interface ManyRunsOptions {
  runs: number;
  /** `worker` processes beside the one `web` process. */
  workers: number;
  /** WORKER_CONCURRENCY of each worker process. */
  workerConcurrency: number;
  channels: number;
  readyDelayMs: number;
  timeoutS: number;
  cpuProfDir: string | undefined;
  /** Write the Slack calls of the window here, one JSON line each (method, channel, thread, status, ms from the first /deploy). */
  slackCallLog?: string;
  /** Count the pass's Redis commands by what they are for, through MONITOR (BenchRedis.monitorUses). */
  redisMonitor?: boolean;
  log: (line: string) => void;
}

/** One flightdeck process of the measurement. */
export interface FleetProcessFigures {
  name: string;
  /** VmHWM at the end of the window. */
  peakRssMiB: number | undefined;
  cpuSeconds: number | undefined;
}

export interface ManyRunsResult {
  runs: number;
  workers: number;
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
  /** Run threads complete (summary, then the deployment log, its last reply), and when the last one was. */
  threadsComplete: number;
  wallToThreadsMs: number | undefined;
  /** How soon each message showed its run as it ended; any message over the bound fails the phase. */
  messageLag: MessageLagFigures;
  /** The time limit ran out before every message was final or every thread complete. */
  timedOut: boolean;
  /** The web process, then each worker process; CPU seconds of the window. */
  processes: FleetProcessFigures[];
  /** Redis `used_memory_peak` (a server started for this pass only) read at the end of the window. */
  redisPeakMiB: number | undefined;
  /** Sum of {@link STALLED_METRIC} over the processes' /metrics at the end; undefined when none exports it. */
  stalls: number | undefined;
  /**
   * The first CPU sample (every 0.5 s, from /proc) at or after the last run's `endedAt`, and the CPU seconds flightdeck
   * (all its processes) and the emulator process had used until then. Undefined when not every run ended.
   */
  runPhase: { wallMs: number; flightdeckCpuSeconds: number | undefined; emulatorCpuSeconds: number | undefined } | undefined;
  /** CPU seconds used during the window by flightdeck (all processes), the emulator process, the bench process (the /deploy driver) and Redis. */
  cpuSeconds: { flightdeck: number | undefined; emulators: number | undefined; driver: number; redis: number };
  windowMs: number;
  kubernetes: CallTally;
  /** TCP connections flightdeck opened to the Kubernetes emulator in the window. */
  kubernetesConnections: number;
  slack: CallTally & { rateLimited: number; writesPerRun: number };
  /** The Slack writes per channel and the 429s behind the time until every message is final. */
  slackChannels: ChannelTally;
  redis: CallTally;
  /** With `redisMonitor`: the window's Redis commands by what they were for, most first. */
  redisUses: RedisUse[] | undefined;
  /** Of the first worker process, with `cpuProfDir`. */
  cpuProfile: HotFunction[] | undefined;
  cpuProfilePath: string | undefined;
  exitCodes: (number | null)[];
}

function redisCpuSeconds(info: string): number {
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

const delta = (now: number | undefined, before: number | undefined) => (now === undefined || before === undefined ? undefined : now - before);

interface CpuSample {
  atMs: number;
  flightdeck: number | undefined;
  emulators: number | undefined;
}

/** The CPU seconds used until the last run ended: the first sample taken at or after it (sampled every POLL_MS). */
function runPhaseAt(samples: readonly CpuSample[], endedMs: number): ManyRunsResult['runPhase'] {
  const sample = samples.find((s) => s.atMs >= endedMs);
  if (!sample) return undefined;
  return { wallMs: sample.atMs, flightdeckCpuSeconds: sample.flightdeck, emulatorCpuSeconds: sample.emulators };
}
const sum = (values: (number | undefined)[]) => (values.some((v) => v === undefined) ? undefined : values.reduce<number>((total, v) => total + (v ?? 0), 0));
const PROFILE_PRELOAD = join(import.meta.dirname, 'record-cpu-profile.mjs');

/**
 * Item 2 of issue 7, at issue 16's sizes: `runs` runs of a set-image + wait-rollout checklist, created by signed
 * /deploys for distinct services (each with its Deployment in the Kubernetes emulator), through flightdeck as
 * the Helm chart runs it: one `web` and `workers` `worker` processes. The emulators run in a process of their
 * own and the /deploy driver in this one, so each one's CPU is measured apart. Slack is rate limited per
 * channel as Slack does for posting. Stops at the first of: every run's message shows its outcome, or
 * `timeoutS`. Every process it starts is stopped before it returns.
 */
export async function measureManyRuns(options: ManyRunsOptions): Promise<ManyRunsResult> {
  const { runs, log } = options;
  const channels = Array.from({ length: options.channels }, (_, i) => channelId(i));
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const redis = await startBenchRedis();
    cleanups.unshift(() => redis.stop());
    // Before anything runs: a BullMQ script is named by the source its first call sends.
    const monitor = options.redisMonitor ? await redis.monitorUses() : undefined;
    if (monitor) cleanups.unshift(async () => monitor.close());
    const emulators = await startEmulatorProcess({ services: runs, channels, readyDelayMs: options.readyDelayMs, tickMs: EMULATOR_TICK_MS, replicas: REPLICAS });
    cleanups.unshift(() => emulators.stop());
    const profileDir = options.cpuProfDir === undefined ? undefined : resolve(options.cpuProfDir);
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const profileTarget = profileDir ? join(profileDir, `flightdeck-many-runs-worker-${Date.now()}.cpuprofile`) : undefined;
    const fleet = await startFlightdeckFleet({
      slackApiUrl: emulators.slackApiUrl,
      botToken: emulators.botToken,
      signingSecret: SIGNING_SECRET,
      kubeconfigPath: emulators.kubeconfigPath,
      catalog: benchCatalog(runs),
      checklists: { release: ROLLOUT_ONLY_CHECKLIST },
      env: { REDIS_URL: redis.url, LOG_LEVEL: 'info', WORKER_CONCURRENCY: String(options.workerConcurrency) },
      firstWorkerEnv: profileTarget ? { NODE_OPTIONS: `--import=${PROFILE_PRELOAD}`, FLIGHTDECK_CPU_PROFILE: profileTarget } : {},
      workers: options.workers,
    });
    let exitCodes: (number | null)[] = [];
    cleanups.unshift(async () => (exitCodes = await fleet.stop()));
    const context = await emulators.slashCommandContext(runs);

    const fleetCpu = () => sum(fleet.cpuSeconds());
    const t0 = Date.now();
    await emulators.mark(t0);
    const processCpuBefore = fleet.cpuSeconds();
    const cpuBefore = { flightdeck: sum(processCpuBefore), emulators: processCpuSeconds(emulators.pid), driver: process.cpuUsage(), redis: redisCpuSeconds(await redis.client.info('cpu')) };
    await monitor?.startWindow();
    await redis.resetStats();
    log(`many runs: ${runs} signed /deploys from ${channels.length} channels, ${DEPLOY_CONCURRENCY} in flight, to ${options.workers} worker processes`);
    const { acks, refused } = await sendDeploys({ eventsUrl: fleet.eventsUrl, signingSecret: SIGNING_SECRET, context, channels, runs });
    const createMs = Date.now() - t0;
    log(`many runs: ${runs - refused} runs created in ${createMs} ms; waiting for every run message to show its outcome and every thread to be complete`);

    const deadline = t0 + options.timeoutS * 1000;
    let rendered = 0;
    let threads = 0;
    let renderedAtMs: number | undefined;
    let lastLog = Date.now();
    // CPU is sampled from /proc, never from /metrics: each scrape reads every service's history and the queues
    // in Redis, and scraping three processes every POLL_MS (Prometheus scrapes every 15 s or more) would count the
    // bench's own reads as flightdeck's Redis commands per run.
    const cpuSamples: CpuSample[] = [];
    while (Date.now() < deadline) {
      cpuSamples.push({ atMs: Date.now() - t0, flightdeck: delta(fleetCpu(), cpuBefore.flightdeck), emulators: delta(processCpuSeconds(emulators.pid), cpuBefore.emulators) });
      ({ messages: rendered, threads } = await emulators.progress());
      if (rendered >= runs - refused) renderedAtMs ??= Date.now() - t0;
      // A run's work ends with its thread, not its message: the calls and commands per run count all of it.
      if (rendered >= runs - refused && threads >= runs - refused) break;
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`many runs: ${rendered} of ${runs} messages final, ${threads} threads complete after ${Math.round((Date.now() - t0) / 1000)} s`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const windowMs = Date.now() - t0;
    const timedOut = rendered < runs - refused || threads < runs - refused;
    const flightdeckCpu = fleet.cpuSeconds();
    const emulatorCpu = processCpuSeconds(emulators.pid);
    const driverCpu = process.cpuUsage(cpuBefore.driver);
    const redisCpu = redisCpuSeconds(await redis.client.info('cpu')) - cpuBefore.redis;
    const commandStats = await redis.commandStats();
    const redisUses = await monitor?.endWindow();
    const redisPeak = Number(/^used_memory_peak:(\d+)/m.exec(await redis.client.info('memory'))?.[1] ?? NaN);
    const peakRss = fleet.peakRssMiB();
    const stalls = await fleet.metricSum(STALLED_METRIC);
    const tallies = await emulators.tallies({ runs, windowMs, ...(options.slackCallLog ? { slackCallLog: options.slackCallLog } : {}) });
    const outcomes = await readRunOutcomes(redis.client, fleet.redisPrefix);
    const messageLag = await emulators.messageLag({ redisUrl: redis.url, prefix: fleet.redisPrefix, boundMs: messageBoundMs(Math.ceil(runs / channels.length)) });
    log(`many runs: ${describeMessageLag(messageLag)}`);
    const lastEnded = outcomes.lastEndedAt;

    const profilePath = profileTarget ? await collectProfile(fleet.processes[1]?.pid ?? -1, profileTarget) : undefined;
    await cleanups.shift()?.();
    return {
      runs,
      workers: options.workers,
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
      messagesPosted: tallies.messagesPosted,
      wallToRenderedMs: renderedAtMs,
      threadsComplete: threads,
      wallToThreadsMs: timedOut ? undefined : windowMs,
      messageLag,
      timedOut,
      processes: fleet.processes.map((p, i) => ({ name: p.name, peakRssMiB: peakRss[i], cpuSeconds: delta(flightdeckCpu[i], processCpuBefore[i]) })),
      redisPeakMiB: Number.isFinite(redisPeak) ? redisPeak / 1024 ** 2 : undefined,
      stalls,
      runPhase: lastEnded === undefined || outcomes.terminal < runs - refused ? undefined : runPhaseAt(cpuSamples, lastEnded - t0),
      cpuSeconds: {
        flightdeck: delta(sum(flightdeckCpu), cpuBefore.flightdeck),
        emulators: delta(emulatorCpu, cpuBefore.emulators),
        driver: (driverCpu.user + driverCpu.system) / 1e6,
        redis: redisCpu,
      },
      windowMs,
      kubernetes: tallies.kubernetes,
      kubernetesConnections: tallies.kubernetesConnections,
      slack: tallies.slack,
      slackChannels: tallies.slackChannels,
      redis: tallyRedis(commandStats, runs),
      redisUses,
      cpuProfile: profilePath ? summarizeCpuProfile(profilePath) : undefined,
      cpuProfilePath: profilePath,
      exitCodes,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => log(`cleanup failed: ${String(err)}`));
  }
}
