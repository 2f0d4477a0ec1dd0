import { appLabel } from '../ack-latency/ack-phase.js';
import type { AckLatencyResult } from '../ack-latency/measure-ack-latency.js';
import { describeMessageLag } from '../message-lag.js';
import type { ManyRunsResult } from '../many-runs/measure-many-runs.js';
import type { CallTally } from '../many-runs/tally-calls.js';
import { redisUsesLines } from './redis-uses-lines.js';
import { runsGrowthTable } from './runs-growth-table.js';

/** Milliseconds with one decimal below 10 ms and none above: the precision loopback timing deserves. */
export function ms(value: number | undefined): string {
  if (value === undefined) return '—';
  return value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
}

function num(value: number | undefined, digits = 1): string {
  return value === undefined ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** The ack latency figures as Markdown tables: phases, what the processes did in each, flightdeck/bare Bolt ratios. */
export function ackLatencyTables(result: AckLatencyResult): string[] {
  const phases = table(
    ['app', 'request', 'sent', 'p50 ms', 'p90 ms', 'p99 ms', 'p99 first 5 s / after ms', 'max ms', 'errors', '> 3 s', 'what was checked'],
    result.phases.map((p) => [
      appLabel(p),
      p.path,
      String(p.sent),
      ms(p.stats.p50),
      ms(p.stats.p90),
      ms(p.stats.p99),
      `${ms(p.p99Opening)} / ${ms(p.p99After)}`,
      ms(p.stats.max),
      p.errors === 0 ? '0' : `${p.errors} (${Object.entries(p.errorKinds).map(([kind, n]) => `${kind}: ${n}`).join(', ')})`,
      String(p.overSlackDeadline),
      p.unexpected === 0 ? p.check : `${p.check}; ${p.unexpected} unexpected answers`,
    ]),
  );
  const share = (cpuS: number | undefined, wallS: number) => (cpuS === undefined ? '—' : `${Math.round((cpuS / wallS) * 100)}%`);
  const processes = table(
    ['app', 'request', 'p99 ms', 'answering process CPU (of one core)', 'worker process CPU', 'event loop waited for a CPU', 'event-loop delay p99 / max ms', 'GC pauses ms', 'all CPUs busy', 'load driver / bench and emulators / Redis CPU', 'other work on the machine (of one core)', 'driver late by (max ms)'],
    result.phases.map((p) => [
      appLabel(p),
      p.path,
      ms(p.stats.p99),
      share(p.process.webCpuS, p.process.wallS),
      p.layout === undefined ? '—' : share(p.process.workerCpuS, p.process.wallS),
      p.process.webRunQueueWaitMs === undefined ? '—' : `${ms(p.process.webRunQueueWaitMs)} ms (${((p.process.webRunQueueWaitMs / 10 / p.process.wallS)).toFixed(1)}%)`,
      p.process.eventLoopDelayP99Ms === undefined ? '—' : `${ms(p.process.eventLoopDelayP99Ms)} / ${ms(p.process.eventLoopDelayMaxMs)}`,
      p.process.gcMs === undefined ? '—' : ms(p.process.gcMs),
      p.process.machineBusyPercent === undefined ? '—' : `${Math.round(p.process.machineBusyPercent)}%`,
      [p.process.driverCpuS, p.process.benchCpuS, p.process.redisCpuS].map((cpuS) => share(cpuS, p.process.wallS)).join(' / '),
      share(p.process.othersCpuS, p.process.wallS),
      ms(p.maxSendLagMs),
    ]),
  );
  const ratios = table(
    ['flightdeck layout', 'flightdeck request', 'bare Bolt baseline', 'p50 ratio', 'p99 ratio'],
    result.ratios.map((r) => [r.layout, r.path, r.baseline, `${r.p50.toFixed(2)}×`, `${r.p99.toFixed(2)}×`]),
  );
  return [...phases, '', ...processes, '', ...ratios];
}

function breakdown(tally: CallTally, runs: number, top = 8): string {
  return tally.byKind
    .slice(0, top)
    .map(([kind, calls]) => `\`${kind}\` ${num(calls / runs, 2)}`)
    .join(', ');
}

/** The many-runs figures as one Markdown table plus per-run breakdowns. */
export function manyRunsTable(r: ManyRunsResult): string[] {
  const cpu = r.cpuSeconds;
  const rows: [string, string][] = [
    ['runs started (signed /deploys, distinct services)', `${r.runs - r.createRefused} of ${r.runs} (acks p50 ${ms(r.createAcks.p50)} ms, p99 ${ms(r.createAcks.p99)} ms, 50 in flight; all sent in ${ms(r.createMs)} ms)`],
    ['final states', Object.entries(r.states).map(([state, n]) => `${state} ${n}`).join(', ') || 'none read'],
    ['wall time, first /deploy → last run terminal (Redis `endedAt`)', r.wallToTerminalMs === undefined ? '—' : `${num(r.wallToTerminalMs / 1000, 2)} s`],
    ['runs/s to terminal', num(r.runsPerSecond, 1)],
    ['wall time, first /deploy → every Slack message shows its outcome', r.wallToRenderedMs === undefined ? `not reached: ${r.renderedFinal} of ${r.runs} after ${num(r.windowMs / 1000, 0)} s` : `${num(r.wallToRenderedMs / 1000, 2)} s`],
    [
      'wall time, first /deploy → every run thread complete (the summary sharing the deployment log, its last reply)',
      r.wallToThreadsMs === undefined ? `not reached: ${r.threadsComplete} of ${r.runs} after ${num(r.windowMs / 1000, 0)} s` : `${num(r.wallToThreadsMs / 1000, 2)} s`,
    ],
    ['message lag: run ended → its message shows it (bound per message)', describeMessageLag(r.messageLag)],
    ['messages in the run channels', `${r.messagesPosted} for ${r.runs} runs`],
    ['peak RSS per flightdeck process (VmHWM)', r.processes.map((p) => `${p.name} ${num(p.peakRssMiB, 0)} MiB`).join(', ')],
    ['Redis `used_memory_peak`', r.redisPeakMiB === undefined ? '—' : `${num(r.redisPeakMiB, 1)} MiB`],
    [
      'CPU seconds in the window',
      `flightdeck ${num(cpu.flightdeck, 1)} s (${r.processes.map((p) => `${p.name} ${num(p.cpuSeconds, 1)}`).join(', ')}), emulator process ${num(cpu.emulators, 1)} s, bench process (/deploy driver) ${num(cpu.driver, 1)} s, Redis ${num(cpu.redis, 1)} s, over ${num(r.windowMs / 1000, 1)} s`,
    ],
    ['stalled jobs (`flightdeck_jobs_stalled_total`, summed over the processes)', r.stalls === undefined ? 'not exported' : String(r.stalls)],
    ['Kubernetes API requests per run', `${num(r.kubernetes.perRun, 2)} (${breakdown(r.kubernetes, r.runs)})`],
    ['Kubernetes API connections opened', `${r.kubernetesConnections} for ${r.kubernetes.total} requests`],
    ['Slack API calls per run', `${num(r.slack.perRun, 2)} (${breakdown(r.slack, r.runs)})`],
    ['Slack writes per run (messages posted or edited, files shared, answered `ok`)', num(r.slack.writesPerRun, 2)],
    ['Slack 429s seen', `${r.slack.rateLimited} of ${r.slack.total} calls`],
    ['Redis commands per run', `${num(r.redis.perRun, 0)} (${breakdown(r.redis, r.runs)})`],
  ];
  return table(['figure', 'value'], rows);
}

/** Plain-text summary for the terminal. */
export function consoleSummary(ack: AckLatencyResult | undefined, runs: ManyRunsResult | undefined, runsSeries: readonly ManyRunsResult[] = []): string {
  const lines: string[] = [];
  if (ack) {
    lines.push(`Ack latency (${ack.rate} req/s, ${ack.durationS} s per phase)`, ...ackLatencyTables(ack), '');
    for (const lag of ack.messageLags) lines.push(`message lag, ${lag.layout}, ${lag.phase}: ${describeMessageLag(lag.figures)}`);
    if (ack.messageLags.length > 0) lines.push('');
  }
  if (runsSeries.length > 1) lines.push('Many runs, one pass per size', ...runsGrowthTable(runsSeries), '');
  if (runs) lines.push(`Many runs (${runs.runs} runs, ${runs.workers} workers × WORKER_CONCURRENCY ${runs.workerConcurrency})`, ...manyRunsTable(runs), '', ...redisUsesLines(runs));
  return lines.join('\n');
}
