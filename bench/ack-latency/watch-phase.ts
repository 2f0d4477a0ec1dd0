import { readdirSync, readFileSync } from 'node:fs';
import { processCpuSeconds } from '../process-cpu.js';

/** What the measured processes and the machine did during one load phase. */
export interface PhaseProcessFigures {
  wallS: number;
  /** CPU seconds of the process answering the requests (flightdeck web or `all`, or the bare Bolt app). */
  webCpuS: number | undefined;
  /** CPU seconds of flightdeck's separate worker process; undefined in layout `all` and for bare Bolt. */
  workerCpuS: number | undefined;
  /**
   * CPU seconds of the load driver: the bench's child processes that exited during the phase (the driver is
   * the only one; the kernel adds a reaped child's time to its parent's cutime/cstime). Undefined without /proc.
   */
  driverCpuS: number | undefined;
  /** CPU seconds of the bench process itself: the Slack and Kubernetes emulators run in it, and its bookkeeping. */
  benchCpuS: number | undefined;
  /** CPU seconds of the Redis server the bench started; undefined when it was not given. */
  redisCpuS: number | undefined;
  /**
   * How long the answering process's main thread (the event loop) was ready to run but waited for a CPU,
   * from /proc/<pid>/task/<pid>/schedstat: time no code of it ran because other processes had the CPUs.
   */
  webRunQueueWaitMs: number | undefined;
  /**
   * CPU seconds of everything outside this bench (other users of the machine): all CPUs' busy time minus the
   * bench process and every process it started (flightdeck, bare Bolt, the load driver, Redis).
   */
  othersCpuS: number | undefined;
  /** Share of all the machine's CPUs busy (any process, including other users of the machine), from /proc/stat. */
  machineBusyPercent: number | undefined;
  /**
   * Event-loop delay of the answering flightdeck process over the phase, from its own `/metrics`
   * (`nodejs_eventloop_lag_p99_seconds` / `_max_seconds`: prom-client's monitorEventLoopDelay, reset on each
   * scrape, so the scrape at the start of the phase opens the window). Undefined for bare Bolt.
   */
  eventLoopDelayP99Ms: number | undefined;
  eventLoopDelayMaxMs: number | undefined;
  /** Time the answering flightdeck process spent in garbage collection pauses (`nodejs_gc_duration_seconds_sum`). */
  gcMs: number | undefined;
  /** How many GC pauses that time is made of. */
  gcPauses: number | undefined;
}

/** Busy and total jiffies of all CPUs together; undefined without /proc. */
function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are the not-busy ones.
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

/** Linux reports process times in clock ticks; 100 per second on every mainstream kernel configuration. */
const TICKS_PER_SECOND = 100;

/**
 * CPU ticks of this process and all its descendants: the live ones from their /proc stat, the exited ones
 * through this process's cutime/cstime once reaped. Undefined without /proc.
 */
function benchTreeTicks(): number | undefined {
  try {
    const stats = new Map<number, { ppid: number; ticks: number; childTicks: number }>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      // Fields after the command name (which may hold spaces): state ppid … utime(12) stime(13) cutime(14) cstime(15).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      stats.set(Number(entry), { ppid: f[1] ?? 0, ticks: (f[11] ?? 0) + (f[12] ?? 0), childTicks: (f[13] ?? 0) + (f[14] ?? 0) });
    }
    const self = stats.get(process.pid);
    if (!self) return undefined;
    const inTree = (pid: number): boolean => {
      for (let at = pid, hops = 0; at > 1 && hops < 64; hops += 1) {
        if (at === process.pid) return true;
        at = stats.get(at)?.ppid ?? 0;
      }
      return false;
    };
    let ticks = self.ticks + self.childTicks;
    for (const [pid, stat] of stats) if (pid !== process.pid && inTree(pid)) ticks += stat.ticks;
    return ticks;
  } catch {
    return undefined;
  }
}

/** CPU ticks of this process itself and of its reaped children; undefined without /proc. */
function ownTicks(): { self: number; reaped: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return { self: (f[11] ?? 0) + (f[12] ?? 0), reaped: (f[13] ?? 0) + (f[14] ?? 0) };
  } catch {
    return undefined;
  }
}

/** Nanoseconds the main thread of `pid` has waited on a run queue since it started; undefined when unreadable. */
function runQueueWaitNs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const wait = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(wait) ? wait : undefined;
  } catch {
    return undefined;
  }
}

interface Scrape {
  eventLoopP99S: number | undefined;
  eventLoopMaxS: number | undefined;
  gcS: number | undefined;
  gcCount: number | undefined;
}

async function scrape(metricsUrl: string): Promise<Scrape> {
  const text = await fetch(metricsUrl).then((res) => (res.ok ? res.text() : ''), () => '');
  const value = (name: string) => {
    const match = new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const total = (series: string) => {
    const values = [...text.matchAll(new RegExp(`^${series}\\{[^}]*\\} ([\\d.e+-]+)$`, 'gm'))].map((m) => Number(m[1]));
    return values.length === 0 ? undefined : values.reduce((sum, v) => sum + v, 0);
  };
  return {
    eventLoopP99S: value('nodejs_eventloop_lag_p99_seconds'),
    eventLoopMaxS: value('nodejs_eventloop_lag_max_seconds'),
    gcS: total('nodejs_gc_duration_seconds_sum'),
    gcCount: total('nodejs_gc_duration_seconds_count'),
  };
}

const diff = (after: number | undefined, before: number | undefined) => (after === undefined || before === undefined ? undefined : after - before);

/**
 * Opens a measurement window over the processes `webPid`, `workerPid` and `redisPid`, the bench process with
 * its exiting children (the load driver), and the machine; `metricsUrl` (a flightdeck process's `/metrics`)
 * adds event-loop delay and GC. Call `close()` when the phase ends.
 */
export async function watchPhase(target: {
  webPid: number | undefined;
  workerPid?: number | undefined;
  redisPid?: number | undefined;
  metricsUrl?: string;
}): Promise<{ close(): Promise<PhaseProcessFigures> }> {
  const cpu = (pid: number | undefined) => (pid === undefined ? undefined : processCpuSeconds(pid));
  const before = target.metricsUrl ? await scrape(target.metricsUrl) : undefined;
  const started = performance.now();
  const machine = machineJiffies();
  const benchTicks = benchTreeTicks();
  const webCpu = cpu(target.webPid);
  const workerCpu = cpu(target.workerPid);
  const redisCpu = cpu(target.redisPid);
  const own = ownTicks();
  const waited = runQueueWaitNs(target.webPid);
  return {
    async close() {
      const wallS = (performance.now() - started) / 1000;
      const machineAfter = machineJiffies();
      const benchTicksAfter = benchTreeTicks();
      const busyTicks = machine && machineAfter ? machineAfter.busy - machine.busy : undefined;
      const benchSpent = diff(benchTicksAfter, benchTicks);
      const waitedNs = diff(runQueueWaitNs(target.webPid), waited);
      const ownAfter = ownTicks();
      const ticks = (after: number | undefined, before: number | undefined) => {
        const spent = diff(after, before);
        return spent === undefined ? undefined : spent / TICKS_PER_SECOND;
      };
      const figures = {
        driverCpuS: ticks(ownAfter?.reaped, own?.reaped),
        benchCpuS: ticks(ownAfter?.self, own?.self),
        redisCpuS: diff(cpu(target.redisPid), redisCpu),
        webCpuS: diff(cpu(target.webPid), webCpu),
        workerCpuS: diff(cpu(target.workerPid), workerCpu),
        webRunQueueWaitMs: waitedNs === undefined ? undefined : waitedNs / 1e6,
      };
      const after = target.metricsUrl ? await scrape(target.metricsUrl) : undefined;
      const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
      return {
        wallS,
        ...figures,
        othersCpuS: busyTicks === undefined || benchSpent === undefined ? undefined : Math.max(0, busyTicks - benchSpent) / TICKS_PER_SECOND,
        machineBusyPercent: machine && machineAfter ? ((machineAfter.busy - machine.busy) / Math.max(1, machineAfter.total - machine.total)) * 100 : undefined,
        eventLoopDelayP99Ms: ms(after?.eventLoopP99S),
        eventLoopDelayMaxMs: ms(after?.eventLoopMaxS),
        gcMs: ms(diff(after?.gcS, before?.gcS)),
        gcPauses: diff(after?.gcCount, before?.gcCount),
      };
    },
  };
}
