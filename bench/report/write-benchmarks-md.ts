import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AckLatencyResult } from '../ack-latency/measure-ack-latency.js';
import type { BenchOptions } from '../bench-options.js';
import type { BreachToRollbackResult } from '../breach/measure-breach-to-rollback.js';
import type { MachineInfo } from '../machine-info.js';
import type { ManyRunsResult } from '../many-runs/measure-many-runs.js';
import type { RecoveryResult } from '../recovery/measure-recovery.js';
import { ackSection } from './ack-section.js';
import { runsSection } from './runs-section.js';
import { RECOVERY_HEADING, recoverySection } from './recovery-section.js';
import { SWITCH_BACK_HEADING, switchBackSection } from './switch-back-section.js';
import type { SwitchBackResult } from '../switch-back/measure-switch-back.js';

/** Everything one `npm run bench` produced, with how and where. */
export interface BenchReport {
  command: string;
  startedAt: Date;
  machine: MachineInfo;
  options: BenchOptions;
  ack: AckLatencyResult | undefined;
  /** The largest many-runs pass, shown in detail. */
  runs: ManyRunsResult | undefined;
  /** Every many-runs pass, one row each in the growth table. */
  runsSeries?: readonly ManyRunsResult[];
  /** Measured by `bench/breach-to-rollback.ts`; undefined when not run, and the file's section is kept. */
  breach?: BreachToRollbackResult | undefined;
  /** Undefined when not run, and the file's section 3b is kept. */
  switchBack?: SwitchBackResult | undefined;
  /** Undefined when not run, and the file's section 4 is kept. */
  recovery?: RecoveryResult | undefined;
}

/** Writes BENCHMARKS.md at `path` from one bench run; throws on I/O errors. */
export function writeBenchmarksMd(path: string, report: BenchReport): void {
  const { machine, options } = report;
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (`bench/run-benchmarks.ts`); every figure below was measured by the command shown, in one',
    'run, on loopback against the emulators in `sandbox/`. Nothing here is estimated. Rerun the command to reproduce.',
    '',
    `- Command: \`${report.command}\` (profile \`${options.profile}\`)`,
    `- Date: ${report.startedAt.toISOString()}`,
    `- Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB memory, ${machine.os}, Node ${machine.node}, Redis ${machine.redis}`,
    '- Everything (flightdeck, the bare Bolt app, the load driver, the emulators and Redis) shares this machine, so the',
    '  figures include that contention.',
    '',
    ...ackSection(report.ack),
    ...runsSection(report.runs, report.runsSeries ?? []),
    ...laterSections(path, report),
  ];
  writeFileSync(path, lines.join('\n'));
}

const BREACH_SECTION = '## 3. ';
const RECOVERY_SECTION = RECOVERY_HEADING;

function breachSection(breach: BreachToRollbackResult): string[] {
  const row = (from: string, s: BreachToRollbackResult['windowEndToPatchMs']) => `| ${from} | ${s.count} | ${s.p50} ms | ${s.p90} ms | ${s.p99} ms | ${s.max} ms |`;
  return [
    '## 3. Breach to rollback',
    '',
    `Measured in this run by \`bench/breach-to-rollback.ts\` (${breach.runs} runs; guard \`interval\` ${breach.intervalMs} ms, \`for\` ${breach.forMs} ms): the`,
    'real queue workers and guard evaluation (Prometheus probe against the Prometheus emulator), the domain\'s breach →',
    'rollback request, the rollback run and its PATCH against the Kubernetes emulator, whose request log stamps the PATCH',
    'on arrival. From (a) the end of the guard window (first failing evaluation + `for`) and (b) the evaluation that',
    'declared the breach.',
    '',
    '| from | runs | p50 | p90 | p99 | max |',
    '| --- | --- | --- | --- | --- | --- |',
    row('end of the guard window', breach.windowEndToPatchMs),
    row('breaching evaluation', breach.breachToPatchMs),
    '',
    'The gap between the rows is evaluation granularity: a breach is seen at the first evaluation at or after the',
    "window's end, up to one `interval` later (10 s by default).",
    '',
  ];
}

/** Sections 3, 3b and 4 come from this run when it measured them; otherwise they are kept as the file has them. */
function laterSections(path: string, report: BenchReport): string[] {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const at = (heading: string) => existing.indexOf(heading);
  const kept = (from: string, to?: string) => {
    const start = at(from);
    if (start < 0) return undefined;
    const end = to && at(to) > start ? at(to) : existing.length;
    return existing.slice(start, end).replace(/\n+$/, '\n').split('\n');
  };
  const afterBreach = at(SWITCH_BACK_HEADING) >= 0 ? SWITCH_BACK_HEADING : RECOVERY_SECTION;
  const breach = report.breach
    ? breachSection(report.breach)
    : (kept(BREACH_SECTION, afterBreach) ?? ['## 3. Breach to rollback', '', '**Not measured yet.** Run `npm run bench`.', '']);
  const switchBack = report.switchBack
    ? switchBackSection(report.switchBack, report)
    : (kept(SWITCH_BACK_HEADING, RECOVERY_SECTION) ?? [SWITCH_BACK_HEADING, '', '**Not measured yet.** Run `npm run bench -- --only switch-back`.', '']);
  // Hand-written sections after section 4 are kept whether or not recovery was measured.
  const recoveryAt = at(RECOVERY_SECTION);
  const nextAt = recoveryAt < 0 ? -1 : existing.indexOf('\n## ', recoveryAt + RECOVERY_SECTION.length);
  const after = nextAt < 0 ? [] : existing.slice(nextAt + 1).replace(/\n+$/, '\n').split('\n');
  const recovery = report.recovery
    ? recoverySection(report.recovery, report)
    : recoveryAt >= 0
      ? existing.slice(recoveryAt, nextAt < 0 ? existing.length : nextAt + 1).replace(/\n+$/, '\n').split('\n')
      : [RECOVERY_HEADING, '', '**Not measured yet.** Run `npm run bench -- --only recovery`.', ''];
  return [...breach, ...switchBack, ...recovery, ...after];
}
