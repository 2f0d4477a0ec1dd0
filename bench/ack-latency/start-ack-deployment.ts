import { randomBytes } from 'node:crypto';
import { startFlightdeckProcess, type FlightdeckProcess, type FlightdeckProcessOptions } from '../../test/support/flightdeck-process.js';
import { processMemory } from '../process-memory.js';

/**
 * How flightdeck is deployed for the ack measurement: one started process in role `all` (the web role, with the
 * workers in a child process it forks), or the layout the Helm chart runs, a `web` process and a `worker` process
 * on one Redis prefix.
 */
export type AckLayout = 'all' | 'web + worker';

export const ACK_LAYOUTS: readonly AckLayout[] = ['all', 'web + worker'];

/** One flightdeck deployment under measurement. */
export interface AckDeployment {
  layout: AckLayout;
  /** Where Slack requests go. */
  eventsUrl: string;
  /** The process answering Slack requests (serves `/metrics`). */
  web: FlightdeckProcess;
  /** The separate worker process; undefined in layout `all`. */
  worker: FlightdeckProcess | undefined;
  /** The process running the workers: the separate one, or in layout `all` the child the web process last logged as started. */
  workerPid(): number | undefined;
  /** VmHWM of each process, in MiB. */
  peakRssMiB(): { web: number | undefined; worker: number | undefined };
  /** Stops every process (web first, as a rolling update would); resolves to their exit codes. */
  stop(): Promise<(number | null)[]>;
}

/**
 * Starts flightdeck as built in `layout` with `LOG_LEVEL=info` and default `WORKER_CONCURRENCY`. The processes
 * share `options` (catalog, checklists, Slack and Kubernetes emulators) and `redisUrl` under one random prefix.
 * A process that fails to start stops the ones already started before this throws.
 */
export async function startAckDeployment(
  layout: AckLayout,
  options: Omit<FlightdeckProcessOptions, 'env'> & { redisUrl: string; /** Extra environment of the answering process only. */ webEnv?: Record<string, string> },
): Promise<AckDeployment> {
  const { redisUrl, webEnv, ...common } = options;
  const env = { REDIS_URL: redisUrl, REDIS_PREFIX: `bench-ack-${randomBytes(4).toString('hex')}`, LOG_LEVEL: 'info' };
  const web = await startFlightdeckProcess({ ...common, env: { ...env, ...webEnv, FLIGHTDECK_ROLE: layout === 'all' ? 'all' : 'web' } });
  let worker: FlightdeckProcess | undefined;
  if (layout === 'web + worker') {
    try {
      worker = await startFlightdeckProcess({ ...common, env: { ...env, FLIGHTDECK_ROLE: 'worker' } });
    } catch (err) {
      await web.stop();
      throw err;
    }
  }
  const rss = (process?: FlightdeckProcess) => (process?.child.pid === undefined ? undefined : processMemory(process.child.pid)?.peakRssMiB);
  return {
    layout,
    eventsUrl: web.eventsUrl,
    web,
    worker,
    workerPid: () => worker?.child.pid ?? childWorkerPid(web.output()),
    peakRssMiB: () => {
      const childPid = worker ? undefined : childWorkerPid(web.output());
      return { web: rss(web), worker: worker ? rss(worker) : childPid === undefined ? undefined : processMemory(childPid)?.peakRssMiB };
    },
    async stop() {
      const codes = [await web.stop()];
      if (worker) codes.push(await worker.stop());
      return codes;
    },
  };
}

/** The pid in the last `worker process started` line a role `all` process logged. */
function childWorkerPid(output: string): number | undefined {
  const pids = [...output.matchAll(/"pid":(\d+),"msg":"worker process started"/g)];
  const last = pids.at(-1)?.[1];
  return last === undefined ? undefined : Number(last);
}
