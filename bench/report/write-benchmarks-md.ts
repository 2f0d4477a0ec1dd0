import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AckLatencyResult } from '../ack-latency/measure-ack-latency.js';
import type { BenchOptions } from '../bench-options.js';
import type { BreachToRollbackResult } from '../breach/measure-breach-to-rollback.js';
import type { MachineInfo } from '../machine-info.js';
import { DEPLOYMENTS_PER_CLUSTER, type ManyRunsResult } from '../many-runs/measure-many-runs.js';
import { ackLatencyTables, manyRunsTable, ms } from './format-figures.js';

/** Everything one `npm run bench` produced, with how and where. */
export interface BenchReport {
  command: string;
  startedAt: Date;
  machine: MachineInfo;
  options: BenchOptions;
  ack: AckLatencyResult | undefined;
  runs: ManyRunsResult | undefined;
  /** Measured by `bench/breach-to-rollback.ts`; undefined when not run, and the file's section is kept. */
  breach?: BreachToRollbackResult | undefined;
}

function ackSection(ack: AckLatencyResult | undefined): string[] {
  const head = ['## 1. Ack latency', ''];
  if (!ack) return [...head, 'Not run by this command (`--only runs`).', ''];
  const click = ack.phases.find((p) => p.path === 'button click (first tick)');
  return [
    ...head,
    `Each phase sends ${ack.rate} signed requests/s for ${ack.durationS} s, open loop (request *i* is due at start + *i*/rate whether or not`,
    'earlier ones have answered), from a separate load-driver process over keep-alive HTTP on loopback. Latency runs from the',
    'time a request was due to the last byte of the answer, so a stalled app or driver cannot hide its queue. Bodies are built',
    'once, exactly as Slack sends them (each with its own response URL), and signed with the current timestamp when sent.',
    'The phases run one after another, so the two apps never compete for the CPU; both were warmed up with `/deploy help` first.',
    'flightdeck runs as built (`dist/src/cli.js serve`, role `all`, `LOG_LEVEL=info`, default `WORKER_CONCURRENCY`) with its',
    'workers posting the run messages to the Slack emulator during the phases, on a Redis of its own. The baseline is a Bolt',
    '`App` on `HTTPReceiver` with the same signing secret whose command and action listeners only `ack()`.',
    '',
    ...ackLatencyTables(ack),
    '',
    `- **/deploy (creates a run)**: ${ack.phases.find((p) => p.path === '/deploy (creates a run)')?.sent ?? 0} distinct services, each typed in its own channel, so no two`,
    '  requests meet on a lock; every answer was checked to be "Run #n: deploying …". The runs use the e2e checklist, so',
    '  they wait at their first manual item and the cluster is not touched during this measurement.',
    `- **button click (first tick)**: "Done: CI is green" on a different run per request (${click?.sent ?? 0} runs created above),`,
    '  a real tick: compare-and-set write of the run, audit entry, render job. **button click (repeated, refused)**: a new',
    '  click (fresh trigger id) on each ticked item; the state machine refuses it and the refusal is posted to the response',
    '  URL after the ack. **button click (same delivery replayed)**: the first-tick bodies sent again byte for byte, as a',
    '  Slack redelivery; the "what was checked" column says how flightdeck handled them.',
    `- flightdeck's peak RSS over the whole ack run: ${Math.round(ack.flightdeckPeakRssMiB ?? 0)} MiB; it exited with code ${ack.flightdeckExitCode} on SIGTERM.`,
    '',
  ];
}

function boundsOf(r: ManyRunsResult): string[] {
  const lines: string[] = [];
  const busy = r.cpuSeconds.flightdeck === undefined ? undefined : r.cpuSeconds.flightdeck / (r.windowMs / 1000);
  if (busy !== undefined) lines.push(`- flightdeck used ${(busy * 100).toFixed(0)}% of one core on average over the window (CPU seconds / wall seconds).`);
  const phase = r.runPhase;
  if (phase?.flightdeckCpuSeconds !== undefined) {
    lines.push(
      `- Until /metrics counted every run terminal (${ms(phase.wallMs)} ms, polled every 0.5 s) flightdeck used ${phase.flightdeckCpuSeconds.toFixed(1)} CPU s,`,
      `  ${((phase.flightdeckCpuSeconds / (phase.wallMs / 1000)) * 100).toFixed(0)}% of one core, while the bench process (single-threaded: every emulator and the /deploy driver)`,
      `  used ${phase.benchCpuSeconds.toFixed(1)} CPU s, ${((phase.benchCpuSeconds / (phase.wallMs / 1000)) * 100).toFixed(0)}% of one core. Near 100% there means the emulators, not flightdeck, set the pace.`,
    );
  }
  if (r.wallToTerminalMs !== undefined && r.wallToRenderedMs !== undefined && r.wallToRenderedMs > 2 * r.wallToTerminalMs) {
    lines.push(
      `- The runs were terminal after ${ms(r.wallToTerminalMs)} ms but the last message showed its outcome only after ${ms(r.wallToRenderedMs)} ms:`,
      `  Slack, not the rollouts, bounds the time until every message is final. flightdeck spaces edits 1 s apart per channel`,
      `  (${Math.ceil(r.runs / r.channels)} runs share each channel here), and ${r.slack.rateLimited} of ${r.slack.total} calls were still answered 429. A 429 makes`,
      '  `@slack/web-api` pause the whole client for Retry-After (protocols A7), so a busy channel is likely to delay the others too.',
    );
  }
  if (r.timedOut) lines.push(`- The time limit (${r.windowMs / 1000} s) ran out before every message showed its outcome.`);
  if (r.cpuProfile) {
    lines.push(`- CPU profile of the flightdeck process (\`--cpu-prof\`, ${r.cpuProfilePath ?? ''}), top self time:`);
    for (const hot of r.cpuProfile.slice(0, 8)) lines.push(`  - ${hot.selfPercent.toFixed(1)}% \`${hot.name}\`${hot.where ? ` (${hot.where})` : ''}`);
  }
  return lines;
}

function runsSection(r: ManyRunsResult | undefined): string[] {
  const head = ['## 2. Many runs at once', ''];
  if (!r) return [...head, 'Not run by this command (`--only ack`).', ''];
  return [
    ...head,
    `${r.runs} runs of a checklist with only \`set-image\` + \`wait-rollout\`, created by signed \`/deploy\`s for ${r.runs} distinct services`,
    `(each with its own Deployment, ${r.replicas} replica, pods ready ${r.readyDelayMs} ms after creation) through ONE flightdeck process`,
    `(role \`all\`, \`WORKER_CONCURRENCY=${r.workerConcurrency}\`, \`LOG_LEVEL=info\`). The /deploys come from ${r.channels} channels round-robin.`,
    `The Slack emulator limits \`chat.postMessage\` and \`chat.update\` to 1 per second per channel (Slack documents about one`,
    'message per second per channel for posting; its workspace-wide per-method tiers are not modelled).',
    '',
    ...manyRunsTable(r),
    '',
    'How each figure is taken:',
    `- Kubernetes: every request the emulators received during the window. The Deployments are spread over ${r.clusters} emulator`,
    `  instances (${DEPLOYMENTS_PER_CLUSTER} per instance, one kubeconfig context and environment each, one namespace per service) because the`,
    "  emulator's controller re-reads and re-serialises every object of an instance on each reconcile (quadratic in the",
    '  Deployments it holds: one instance needs minutes just to seed 1,000). flightdeck itself sees one cluster per context.',
    '- Slack: every Web API call the emulator received during the window, including the ones it answered 429.',
    '- Redis: a `redis-server` started for this measurement only; `CONFIG RESETSTAT` right before the first /deploy and',
    '  `INFO commandstats` at the end, minus the bench\'s own `INFO`/`CONFIG`; the bench reads nothing else from Redis inside',
    '  the window (completion is watched in the Slack emulator), so the counts are flightdeck\'s: run store scripts, BullMQ',
    '  queues, render pacing and the reconciler.',
    '- Peak RSS: `VmHWM` from `/proc/<pid>/status` of the flightdeck process (started fresh for this measurement).',
    '- Wall time to terminal: the latest `endedAt` of the stored runs minus the time the first /deploy was sent.',
    '',
    'What bounds it:',
    ...boundsOf(r),
    '',
  ];
}

/** Writes BENCHMARKS.md at `path` from one bench run; throws on I/O errors. */
export function writeBenchmarksMd(path: string, report: BenchReport): void {
  const { machine, options } = report;
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (`bench/run-benchmarks.ts`); every figure below was measured by the command shown, in one',
    'run, on loopback against the emulators in `test/emulators`. Nothing here is estimated. Rerun the command to reproduce.',
    '',
    `- Command: \`${report.command}\` (profile \`${options.profile}\`)`,
    `- Date: ${report.startedAt.toISOString()}`,
    `- Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB memory, ${machine.os}, Node ${machine.node}, Redis ${machine.redis}`,
    '- Everything (flightdeck, the bare Bolt app, the load driver, the emulators and Redis) shares this machine, so the',
    '  figures include that contention.',
    '',
    ...ackSection(report.ack),
    ...runsSection(report.runs),
    ...laterSections(path, report),
  ];
  writeFileSync(path, lines.join('\n'));
}

const BREACH_SECTION = '## 3. ';
const RECOVERY_SECTION = '## 4. ';

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

/**
 * Section 3 comes from this run when it measured it; otherwise, like section 4 (measured by its own command),
 * it is kept as the file has it instead of erasing its figures.
 */
function laterSections(path: string, report: BenchReport): string[] {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const at = (heading: string) => existing.indexOf(heading);
  const kept = (from: string, to?: string) => {
    const start = at(from);
    if (start < 0) return undefined;
    const end = to && at(to) > start ? at(to) : existing.length;
    return existing.slice(start, end).replace(/\n+$/, '\n').split('\n');
  };
  const breach = report.breach
    ? breachSection(report.breach)
    : (kept(BREACH_SECTION, RECOVERY_SECTION) ?? ['## 3. Breach to rollback', '', '**Not measured yet.** Run `npm run bench`.', '']);
  const recovery = kept(RECOVERY_SECTION) ?? ['## 4. Recovery', '', '**Not measured yet.** (From SIGKILL of a busy worker to another worker resuming its runs.)', ''];
  return [...breach, ...recovery];
}
