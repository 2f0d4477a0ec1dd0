import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { MachineInfo } from '../machine-info.js';
import type { SwitchBackResult } from '../switch-back/measure-switch-back.js';
import { RECOVERY_HEADING } from './recovery-section.js';

export const SWITCH_BACK_HEADING = '## 3b. Blue-green switch-back';

/** Section 3b of BENCHMARKS.md from one switch-back measurement, with the command, date and machine that produced it. */
export function switchBackSection(r: SwitchBackResult, context: { command: string; startedAt: Date; machine: MachineInfo }): string[] {
  const s = r.breachToSwitchBackMs;
  const states = Object.entries(r.states).map(([state, n]) => `${state} ${n}`).join(', ') || 'none';
  return [
    SWITCH_BACK_HEADING,
    '',
    `- Command: \`${context.command}\``,
    `- Date: ${context.startedAt.toISOString()}`,
    `- Machine: ${context.machine.nproc} CPUs (${context.machine.cpuModel}), Node ${context.machine.node}, Redis ${context.machine.redis}`,
    '',
    `Measured by \`bench/switch-back/measure-switch-back.ts\`: ${r.runs} blue-green runs one after another (\`preview\`, \`switch\`,`,
    'then a `scale-down` waiting out its delay with the old version still scaled), the real queue workers on a `redis-server`',
    `of their own, a Prometheus guard (\`interval\` ${r.intervalMs} ms, \`for\` ${r.forMs} ms, \`action: rollback\`) that breaches after the switch,`,
    "and the Kubernetes emulator. From the evaluation that declared the breach (the run's `breaches[0].at`) to the arrival,",
    "in the emulator's request log, of the rollback run's `switch-back` PATCH that puts the active Service's selector",
    "back on the old ReplicaSet's pods: traffic on the old version.",
    '',
    '| from the breach to the switch back | runs | p50 | p90 | p99 | max |',
    '| --- | --- | --- | --- | --- | --- |',
    `| breaching evaluation → Service selector on the old pods | ${s.count} | ${Math.round(s.p50)} ms | ${Math.round(s.p90)} ms | ${Math.round(s.p99)} ms | ${Math.round(s.max)} ms |`,
    '',
    `Final states: ${states} of ${r.runs}.${r.runs < 100 ? ` Under 100 runs, p99 (nearest rank) is the largest sample.` : ''}`,
    'The breach itself comes up to one `interval` after the guard window ends (see section 3); this figure starts at the breach.',
    '',
  ];
}

/** Replaces section 3b of the file at `path`, or puts it before section 4 (at the end without one). */
export function writeSwitchBackSection(path: string, lines: readonly string[]): void {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const start = existing.indexOf(SWITCH_BACK_HEADING);
  const text = lines.join('\n');
  if (start >= 0) {
    const next = existing.indexOf('\n## ', start + SWITCH_BACK_HEADING.length);
    writeFileSync(path, `${existing.slice(0, start)}${text}${next < 0 ? '' : `\n${existing.slice(next + 1)}`}`);
    return;
  }
  const recovery = existing.indexOf(RECOVERY_HEADING);
  if (recovery < 0) writeFileSync(path, `${existing.replace(/\n*$/, '\n\n')}${text}`);
  else writeFileSync(path, `${existing.slice(0, recovery)}${text}\n${existing.slice(recovery)}`);
}
