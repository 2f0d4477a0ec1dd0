import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_WORKER_LOCK_MS } from '../../src/config/load-env.js';
import { PREVIOUS_DEFAULT_LOCK_MS } from '../bench-options.js';
import { stalledIntervalOf } from '../../src/queue/engine/stalled-interval-of.js';
import type { LatencyStats } from '../latency-stats.js';
import type { MachineInfo } from '../machine-info.js';
import type { RecoveryResult } from '../recovery/measure-recovery.js';
import { ROLLOUT_POLL_MS, type RecoveryPass } from '../recovery/recovery-pass.js';
import { ms } from './format-figures.js';

export const RECOVERY_HEADING = '## 4. Recovery';

/** The longest a killed worker's job waits for another worker with the default lock, before its fetch. */
const DEFAULT_BOUND_MS = DEFAULT_WORKER_LOCK_MS + 2 * stalledIntervalOf(DEFAULT_WORKER_LOCK_MS);

/** Which lock a pass measured, beside its value: the default, or the 30 s default it replaced. */
const lockName = (lockMs: number) => (lockMs === DEFAULT_WORKER_LOCK_MS ? ' (the default)' : lockMs === PREVIOUS_DEFAULT_LOCK_MS ? ' (the default lock before issue 16)' : '');

const seconds = (value: number) => `${(value / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;

function passTable(pass: RecoveryPass): string[] {
  const row = (what: string, s: LatencyStats) => `| ${what} | ${s.count} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} |`;
  return [
    `**\`WORKER_LOCK_MS=${pass.lockMs}\`**${lockName(pass.lockMs)} — ${pass.runs} runs in flight on worker A; ms from its SIGKILL, per run:`,
    '',
    '| from the SIGKILL of worker A to … | runs | p50 | p99 | max |',
    '| --- | --- | --- | --- | --- |',
    row("A's job lock expiring (its PTTL just before the kill)", pass.lockLeft),
    row("B's stall check moving the job back to wait (BullMQ `stalled` event)", pass.movedToWait),
    row('B taking the job (BullMQ `active` event)', pass.takenByB),
    row("**B resuming the run: its first Kubernetes request for the run's Deployment**", pass.resumed),
    row(`the rollout being complete in the cluster (emulator, polled every ${ROLLOUT_POLL_MS} ms)`, pass.rolloutDone),
    row('**the run terminal (`endedAt`)**', pass.terminal),
    row('the run terminal, counted from its rollout being complete', pass.trailing),
    '',
    `Final states: ${Object.entries(pass.states).map(([state, n]) => `${state} ${n}`).join(', ') || 'none'} of ${pass.runs}. ` +
      `Deployment PATCHes after the kill: ${pass.patchesAfterKill}. Gaps between the stall checks after the kill: ${pass.stallCheckGapsMs.map((gap) => `${ms(gap)} ms`).join(', ') || 'none seen'}.` +
      (pass.notResumed.length > 0 ? ` **Never resumed: runs ${pass.notResumed.join(', ')}.**` : '') +
      (pass.notTerminal.length > 0 ? ` **Not terminal after ${seconds(pass.windowMs)}: runs ${pass.notTerminal.join(', ')}.**` : ''),
    '',
  ];
}

function boundLine(pass: RecoveryPass): string {
  const lock = pass.lockMs;
  const interval = stalledIntervalOf(lock);
  const bound = lock + 2 * interval;
  const within = pass.resumed.count === pass.runs && pass.takenByB.max <= bound;
  return (
    `- \`WORKER_LOCK_MS=${lock}\`${lockName(lock)}: lockDuration ${seconds(lock)} + 2 × stalledInterval ${seconds(interval)} = ${seconds(bound)} ` +
    `(${seconds(lock + interval)} when no check is skipped); ` +
    `A had taken or renewed the locks ${seconds(lock - pass.lockLeft.p50)} before the kill (p50), so ${seconds(pass.lockLeft.p50)} of each was left; ` +
    `B took the jobs after ${seconds(pass.takenByB.p50)} (p50) to ${seconds(pass.takenByB.max)} (max): ` +
    (within ? 'inside the bound.' : '**outside the bound, or runs were not resumed: see above.**')
  );
}

/** Section 4 of BENCHMARKS.md from one recovery measurement, with the command, date and machine that produced it. */
export function recoverySection(r: RecoveryResult, context: { command: string; startedAt: Date; machine: MachineInfo }): string[] {
  const { machine } = context;
  const busy = Math.max(r.loadAverage.before, r.loadAverage.after) > machine.nproc;
  return [
    RECOVERY_HEADING,
    '',
    `- Command: \`${context.command}\``,
    `- Date: ${context.startedAt.toISOString()}`,
    `- Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB memory, ${machine.os}, Node ${machine.node}, Redis ${machine.redis}; ` +
      `1-minute load average ${r.loadAverage.before.toFixed(1)} when it began and ${r.loadAverage.after.toFixed(1)} when it ended` +
      (busy ? ' — above the CPU count: other work shared the machine while this was measured.' : '.'),
    '',
    'From the SIGKILL of a busy worker to another worker resuming its runs. One web process and two worker processes',
    `(\`dist/src/cli.js serve\`, \`FLIGHTDECK_ROLE=web\` / \`worker\`, \`WORKER_CONCURRENCY=${r.runs}\`, \`LOG_LEVEL=info\`) on a \`redis-server\` of`,
    `their own, the Slack and Kubernetes emulators on loopback. ${r.runs} signed \`/deploy\`s of a \`set-image\` + \`wait-rollout\` checklist, one`,
    `Deployment of 1 replica each, whose new pod becomes ready ${seconds(r.readyDelayMs)} after it is created. Worker A runs alone until the`,
    "emulator has logged a watch for every Deployment (each run's wait-rollout step holds its job while it watches); then worker",
    'B starts, and once it answers `/healthz` A is SIGKILLed. Each lock duration is a fresh pass (new Redis, emulators and processes).',
    '',
    ...r.passes.flatMap(passTable),
    "What \"resuming\" means here: B's wait-rollout step lists the run's Deployment and opens a new watch. The first request",
    "the emulator logs for the Deployment's namespace after the kill (stamped on arrival) is that step running again: A is",
    'dead, the web process does not talk to the cluster, and each service has a namespace of its own. The BullMQ `active`',
    'event only says B holds the job. A PATCH count of 0 after the kill means B resumed the wait and did not redo `set-image`.',
    '',
    'What bounds it: lockDuration + stalledInterval, or + 2 × stalledInterval when a stall check is skipped (flightdeck',
    `sets stalledInterval to a fifth of the lock, at least 1 s: ${seconds(stalledIntervalOf(DEFAULT_WORKER_LOCK_MS))} with the default lock of ${seconds(DEFAULT_WORKER_LOCK_MS)}, so the bound is`,
    `${seconds(DEFAULT_BOUND_MS)}, ${DEFAULT_BOUND_MS <= 10_000 ? 'within' : 'beyond'} the 10 s goal of issue 16). BullMQ renews a lock when it has aged a quarter to half of`,
    'lockDuration, so at the kill a lock has between half and all of lockDuration left. Stall checks run at most once per',
    'stalledInterval for the whole queue (each sets a `stalled-check` key with that TTL and is skipped while it exists): one',
    "check puts every active job in the `stalled` set (a live worker's renewal takes its job out again), and the first check",
    "after a job's lock has expired moves it back to wait, where B takes it at once. A worker starts its next check",
    'stalledInterval after its last one, when that key may not have expired yet; then the check is skipped and the next',
    'comes a whole stalledInterval later, so checks are stalledInterval or twice that apart (the gaps above show which).',
    'So B holds the job between lockDuration/2 and lockDuration + 2 × stalledInterval after the kill, plus its fetch.',
    'Locks renewed at about the same time expire together and are recovered by the same check, so the percentiles sit close',
    "together. B's reconciler (every 10 s) does not shorten this: it re-enqueues a running step under the same job id, which",
    'collapses with the stalled job.',
    '',
    ...r.passes.map(boundLine),
    '',
    'A run whose rollout finished while nobody watched ends as soon as B resumes; one still rolling ends with its rollout.',
    'Rerun this section alone with `npm run bench -- --only recovery` (add `--quick` for a short check with fewer runs).',
    '',
  ];
}

/** Replaces section 4 of the file at `path` with `lines`, keeping everything before it and any section after it. */
export function writeRecoverySection(path: string, lines: readonly string[]): void {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const at = existing.indexOf(RECOVERY_HEADING);
  const before = at < 0 ? existing.replace(/\n*$/, '\n\n') : existing.slice(0, at);
  // Sections after this one (hand-written notes) are kept.
  const next = at < 0 ? -1 : existing.indexOf('\n## ', at + RECOVERY_HEADING.length);
  writeFileSync(path, `${before}${lines.join('\n')}${next < 0 ? '' : `\n${existing.slice(next + 1)}`}`);
}
