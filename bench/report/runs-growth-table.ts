import type { ManyRunsResult } from '../many-runs/measure-many-runs.js';

const seconds = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const fixed = (value: number | undefined, digits: number) => (value === undefined ? '—' : value.toFixed(digits));
const share = (cpuS: number | undefined, wallMs: number) => (cpuS === undefined ? '—' : `${Math.round((cpuS / (wallMs / 1000)) * 100)}%`);

/**
 * One row per many-runs pass: whether the figures per run stay constant as the runs grow (issue 16). Peak RSS is
 * `web / worker 1 / worker 2 …`; CPU shares are of one core over the pass's window.
 */
export function runsGrowthTable(series: readonly ManyRunsResult[]): string[] {
  const header = [
    'runs',
    'channels',
    'first /deploy → all terminal',
    'first /deploy → every message final',
    'first /deploy → every thread complete',
    'K8s requests / run',
    'Redis commands / run',
    'Slack calls / run (429s)',
    'Slack writes / run',
    'peak RSS MiB (web / workers)',
    'Redis used_memory peak',
    'emulators CPU',
    'flightdeck CPU',
    'driver CPU',
    'Redis CPU',
    'stalled jobs',
  ];
  const rows = series.map((r) => [
    r.runs.toLocaleString('en-US'),
    String(r.channels),
    r.terminal < r.runs - r.createRefused ? `not reached (${r.terminal} of ${r.runs})` : seconds(r.wallToTerminalMs),
    r.wallToRenderedMs === undefined ? `not reached (${r.renderedFinal} of ${r.runs} in ${seconds(r.windowMs)})` : seconds(r.wallToRenderedMs),
    r.wallToThreadsMs === undefined ? `not reached (${r.threadsComplete} of ${r.runs} in ${seconds(r.windowMs)})` : seconds(r.wallToThreadsMs),
    fixed(r.kubernetes.perRun, 2),
    fixed(r.redis.perRun, 0),
    `${fixed(r.slack.perRun, 2)} (${r.slack.rateLimited})`,
    fixed(r.slack.writesPerRun, 2),
    r.processes.map((p) => fixed(p.peakRssMiB, 0)).join(' / '),
    r.redisPeakMiB === undefined ? '—' : `${r.redisPeakMiB.toFixed(1)} MiB`,
    share(r.cpuSeconds.emulators, r.windowMs),
    share(r.cpuSeconds.flightdeck, r.windowMs),
    share(r.cpuSeconds.driver, r.windowMs),
    share(r.cpuSeconds.redis, r.windowMs),
    r.stalls === undefined ? 'not exported' : String(r.stalls),
  ]);
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}
