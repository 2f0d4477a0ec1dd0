import { DEFAULT_WORKER_LOCK_MS } from '../src/config/load-env.js';

/** What `npm run bench` measures and how hard, from flags first, then `BENCH_*` environment variables. */
export interface BenchOptions {
  profile: 'quick' | 'full';
  /**
   * Which measurements to run; default all of them but `redis-memory`. `recovery` rewrites only section 4 of
   * BENCHMARKS.md, `switch-back` only section 3b, `runs` only section 2; `redis-memory` (issue 13's bound, recorded in RELIABILITY.md)
   * prints its figures only.
   */
  only: 'all' | 'ack' | 'runs' | 'recovery' | 'switch-back' | 'redis-memory';
  /** Ack latency: requests per second, open loop. */
  rate: number;
  /** Ack latency: seconds each measured phase lasts. */
  durationS: number;
  /** Many runs: runs started at once, one pass per figure (each with fresh Redis, emulators and processes). */
  runs: number[];
  /** Many runs: `worker` processes beside the one `web` process. */
  workers: number;
  /** Many runs: WORKER_CONCURRENCY of each worker process; undefined: per pass, see {@link manyRunsPass}. */
  workerConcurrency: number | undefined;
  /** Many runs: channels the first pass's /deploys come from (round-robin; Slack paces per channel); later passes keep its runs per channel. */
  channels: number | undefined;
  /** Many runs: ms from pod creation to ready in the Kubernetes emulator. */
  readyDelayMs: number;
  /** Many runs: give up waiting for every run of a pass to finish after this many seconds; undefined: per pass, see {@link manyRunsPass}. */
  runsTimeoutS: number | undefined;
  /** Recovery: runs in flight on the worker that is killed. */
  recoveryRuns: number;
  /** Recovery: the `WORKER_LOCK_MS` of each pass (flightdeck's default first, then the 30 s it replaced). */
  recoveryLocksMs: number[];
  /** Recovery: ms from pod creation to ready, i.e. how long each rollout lasts; must outlast starting the runs. */
  recoveryReadyDelayMs: number;
  /** Blue-green switch-back: runs measured one after another. */
  switchBackRuns: number;
  /** Write V8 CPU profiles into this folder: the flightdeck process of the many-runs measurement, and per ack phase. */
  cpuProfDir: string | undefined;
  /** Many runs: count each pass's Redis commands by what they are for, through MONITOR (slows Redis). */
  redisMonitor: boolean;
  /** Rewrite BENCHMARKS.md; default true. */
  write: boolean;
}

/** The largest WORKER_CONCURRENCY flightdeck's configuration accepts. */
export const MAX_WORKER_CONCURRENCY = 256;

const PROFILES = {
  quick: { rate: 50, durationS: 5, runs: 200, runsTimeoutS: 180, recoveryRuns: 10, switchBackRuns: 10 },
  full: { rate: 200, durationS: 30, runs: 1000, runsTimeoutS: 600, recoveryRuns: 50, switchBackRuns: 30 },
} as const;

const USAGE = `usage: npm run bench -- [--quick] [--only ack|runs|recovery|switch-back|redis-memory] [--rate N] [--duration S] [--runs N[,N…]]
       [--workers N] [--concurrency N] [--channels N] [--ready-delay MS] [--runs-timeout S] [--cpu-prof DIR] [--redis-monitor] [--no-write]
       [--recovery-runs N] [--recovery-locks MS,MS] [--recovery-ready-delay MS] [--switch-back-runs N]
environment: BENCH_RATE, BENCH_DURATION_S, BENCH_RUNS, BENCH_WORKERS, BENCH_WORKER_CONCURRENCY, BENCH_CHANNELS,
             BENCH_READY_DELAY_MS, BENCH_RUNS_TIMEOUT_S, BENCH_RECOVERY_RUNS, BENCH_RECOVERY_LOCKS_MS,
             BENCH_RECOVERY_READY_DELAY_MS, BENCH_SWITCH_BACK_RUNS (flags win)`;

/** The WORKER_LOCK_MS default before issue 16 set a 10 s recovery goal. */
export const PREVIOUS_DEFAULT_LOCK_MS = 30_000;
/** flightdeck's default WORKER_LOCK_MS, and the long one it replaced: recovery is bounded by the lock, so both are measured. */
const RECOVERY_LOCKS_MS = [DEFAULT_WORKER_LOCK_MS, PREVIOUS_DEFAULT_LOCK_MS];
/** WORKER_LOCK_MS bounds in flightdeck's configuration. */
const LOCK_MS_RANGE = [1000, 600_000] as const;

function lockList(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const locks = raw.split(',').map((part) => Number(part.trim()));
  if (locks.some((lock) => !Number.isInteger(lock) || lock < LOCK_MS_RANGE[0] || lock > LOCK_MS_RANGE[1])) {
    throw new Error(`--recovery-locks must be comma-separated whole numbers of ms from ${LOCK_MS_RANGE[0]} to ${LOCK_MS_RANGE[1]}, got "${raw}"\n${USAGE}`);
  }
  return locks;
}

function runList(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map((part) => part.trim());
  if (parts.some((part) => !/^\d+$/.test(part) || Number(part) < 1)) throw new Error(`--runs must be whole numbers >= 1, comma-separated, got "${raw}"\n${USAGE}`);
  return parts.map(Number);
}

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a whole number >= 1, got "${raw}"\n${USAGE}`);
  return Number(raw);
}

/**
 * Parses `argv` (without node and the script) and `env`.
 *
 * @throws Error with the usage text for an unknown flag, a missing value or a value that is not a whole number >= 1.
 */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  const valued = new Set([
    '--only', '--rate', '--duration', '--runs', '--workers', '--concurrency', '--channels', '--ready-delay', '--runs-timeout', '--cpu-prof',
    '--recovery-runs', '--recovery-locks', '--recovery-ready-delay', '--switch-back-runs',
  ]);
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--quick' || arg === '--no-write' || arg === '--redis-monitor') switches.add(arg);
    else if (valued.has(arg)) {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      flags.set(arg, value);
      i += 1;
    } else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  const profile = switches.has('--quick') ? 'quick' : 'full';
  const base = PROFILES[profile];
  const only = flags.get('--only') ?? 'all';
  if (only !== 'all' && only !== 'ack' && only !== 'runs' && only !== 'recovery' && only !== 'switch-back' && only !== 'redis-memory') {
    throw new Error(`--only must be ack, runs, recovery, switch-back or redis-memory, got "${only}"\n${USAGE}`);
  }
  if (switches.has('--redis-monitor') && only !== 'all' && only !== 'runs') {
    throw new Error(`--redis-monitor counts the commands of the many-runs passes: use it with --only runs (or without --only), not --only ${only}\n${USAGE}`);
  }
  const recoveryRuns = positiveInt('--recovery-runs', flags.get('--recovery-runs') ?? env.BENCH_RECOVERY_RUNS) ?? base.recoveryRuns;
  if (recoveryRuns > MAX_WORKER_CONCURRENCY) {
    throw new Error(`--recovery-runs: every run needs a worker slot and flightdeck allows up to ${MAX_WORKER_CONCURRENCY}, got ${recoveryRuns}\n${USAGE}`);
  }
  const runs = runList(flags.get('--runs') ?? env.BENCH_RUNS) ?? [base.runs];
  const concurrency = positiveInt('--concurrency', flags.get('--concurrency') ?? env.BENCH_WORKER_CONCURRENCY);
  if (concurrency !== undefined && concurrency > MAX_WORKER_CONCURRENCY) {
    throw new Error(`--concurrency: flightdeck accepts WORKER_CONCURRENCY up to ${MAX_WORKER_CONCURRENCY}, got ${concurrency}\n${USAGE}`);
  }
  return {
    profile,
    only,
    rate: positiveInt('--rate', flags.get('--rate') ?? env.BENCH_RATE) ?? base.rate,
    durationS: positiveInt('--duration', flags.get('--duration') ?? env.BENCH_DURATION_S) ?? base.durationS,
    runs,
    workers: positiveInt('--workers', flags.get('--workers') ?? env.BENCH_WORKERS) ?? 2,
    workerConcurrency: concurrency,
    channels: positiveInt('--channels', flags.get('--channels') ?? env.BENCH_CHANNELS),
    readyDelayMs: positiveInt('--ready-delay', flags.get('--ready-delay') ?? env.BENCH_READY_DELAY_MS) ?? 50,
    runsTimeoutS: positiveInt('--runs-timeout', flags.get('--runs-timeout') ?? env.BENCH_RUNS_TIMEOUT_S),
    recoveryRuns,
    recoveryLocksMs: lockList(flags.get('--recovery-locks') ?? env.BENCH_RECOVERY_LOCKS_MS) ?? RECOVERY_LOCKS_MS,
    recoveryReadyDelayMs: positiveInt('--recovery-ready-delay', flags.get('--recovery-ready-delay') ?? env.BENCH_RECOVERY_READY_DELAY_MS) ?? 20_000,
    switchBackRuns: positiveInt('--switch-back-runs', flags.get('--switch-back-runs') ?? env.BENCH_SWITCH_BACK_RUNS) ?? base.switchBackRuns,
    cpuProfDir: flags.get('--cpu-prof'),
    redisMonitor: switches.has('--redis-monitor'),
    write: !switches.has('--no-write'),
  };
}

/** Runs per channel when `--channels` is not given: 1,000 runs from 100 channels, as the figures were first taken. */
const RUNS_PER_CHANNEL = 10;

/** What one many-runs pass of `runs` runs is given. */
export interface ManyRunsPass {
  runs: number;
  channels: number;
  workerConcurrency: number;
  timeoutS: number;
}

/**
 * The pass of `runs` runs: as many runs per channel as the first pass (`--channels` for it, else
 * {@link RUNS_PER_CHANNEL}), so Slack's per-channel pacing weighs the same at every size; each worker's
 * concurrency its share of the runs up to flightdeck's cap (every rollout watch holds a slot, so below that
 * whole rollouts queue behind each other); a time limit that grows with the runs above the profile's.
 */
export function manyRunsPass(options: BenchOptions, runs: number): ManyRunsPass {
  const first = options.runs[0] ?? runs;
  const perChannel = options.channels === undefined ? RUNS_PER_CHANNEL : first / options.channels;
  const base = PROFILES[options.profile];
  return {
    runs,
    channels: Math.max(1, Math.round(runs / perChannel)),
    workerConcurrency: options.workerConcurrency ?? Math.min(Math.ceil(runs / options.workers), MAX_WORKER_CONCURRENCY),
    timeoutS: options.runsTimeoutS ?? Math.ceil(base.runsTimeoutS * Math.max(1, runs / base.runs)),
  };
}
