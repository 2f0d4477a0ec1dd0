import { randomBytes } from 'node:crypto';
import { startFlightdeckProcess, type FlightdeckProcess, type FlightdeckProcessOptions } from '../../test/support/flightdeck-process.js';
import { processCpuSeconds } from '../process-cpu.js';
import { processMemory } from '../process-memory.js';
import { sumMetric } from './sum-metric.js';

/** flightdeck as the Helm chart deploys it: one `web` process and `workers` `worker` processes on one Redis prefix. */
export interface FlightdeckFleet {
  /** Where Slack requests go. */
  eventsUrl: string;
  redisPrefix: string;
  /** `web`, `worker 1` …, with their pids. */
  processes: { name: string; pid: number }[];
  /** CPU seconds each process has used since it started (undefined once gone), in {@link processes} order. */
  cpuSeconds(): (number | undefined)[];
  /** VmHWM of each process in MiB, in {@link processes} order. */
  peakRssMiB(): (number | undefined)[];
  /** Sum over every process's /metrics of the samples of `family` (any labels); undefined when no process exports it. */
  metricSum(family: string): Promise<number | undefined>;
  /** Stops the web process first, then the workers, as a rolling update would; resolves to their exit codes. */
  stop(): Promise<(number | null)[]>;
}

async function metricSum(url: string, family: string): Promise<number | undefined> {
  return sumMetric(await fetch(`${url}/metrics`).then((res) => (res.ok ? res.text() : ''), () => ''), family);
}

/**
 * Starts the built flightdeck as one `web` and `workers` `worker` processes sharing `options` and one random
 * Redis prefix (`env` must carry REDIS_URL). A process that fails to start stops the others before this throws.
 */
export async function startFlightdeckFleet(
  options: Omit<FlightdeckProcessOptions, 'env'> & { env: Record<string, string>; workers: number; /** Extra environment of worker 1 only (a CPU profiler). */ firstWorkerEnv?: Record<string, string> },
): Promise<FlightdeckFleet> {
  const { workers: count, env: shared, firstWorkerEnv, ...common } = options;
  const env = { ...shared, REDIS_PREFIX: `bench-runs-${randomBytes(4).toString('hex')}` };
  const started: FlightdeckProcess[] = [];
  try {
    started.push(await startFlightdeckProcess({ ...common, env: { ...env, FLIGHTDECK_ROLE: 'web' } }));
    const results = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => startFlightdeckProcess({ ...common, env: { ...env, ...(i === 0 ? firstWorkerEnv : {}), FLIGHTDECK_ROLE: 'worker' } })),
    );
    for (const result of results) if (result.status === 'fulfilled') started.push(result.value);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    for (const process of started) await process.stop();
    throw err;
  }
  const web = started[0] as FlightdeckProcess;
  const pids = started.map((process) => process.child.pid ?? -1);
  return {
    eventsUrl: web.eventsUrl,
    redisPrefix: web.redisPrefix,
    processes: pids.map((pid, i) => ({ name: i === 0 ? 'web' : `worker ${i}`, pid })),
    cpuSeconds: () => pids.map(processCpuSeconds),
    peakRssMiB: () => pids.map((pid) => processMemory(pid)?.peakRssMiB),
    async metricSum(family) {
      const sums = await Promise.all(started.map((process) => metricSum(process.url, family)));
      return sums.some((sum) => sum !== undefined) ? sums.reduce<number>((total, sum) => total + (sum ?? 0), 0) : undefined;
    },
    async stop() {
      const codes: (number | null)[] = [];
      for (const process of started) codes.push(await process.stop());
      return codes;
    },
  };
}
