import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CHANNEL_SPACING_MS } from '../../src/queue/notify/channel-pacer.js';
import type { MachineInfo } from '../machine-info.js';
import type { ManyRunsResult } from '../many-runs/measure-many-runs.js';
import { manyRunsTable, ms } from './format-figures.js';
import { redisUsesLines } from './redis-uses-lines.js';
import { runsGrowthTable } from './runs-growth-table.js';

const RUNS_HEADING = '## 2. Many runs at once';

function boundsOf(r: ManyRunsResult): string[] {
  const lines: string[] = [];
  const busy = r.cpuSeconds.flightdeck === undefined ? undefined : r.cpuSeconds.flightdeck / (r.windowMs / 1000);
  if (busy !== undefined) lines.push(`- flightdeck used ${(busy * 100).toFixed(0)}% of one core on average over the window (CPU seconds / wall seconds).`);
  const phase = r.runPhase;
  if (phase?.flightdeckCpuSeconds !== undefined) {
    const emulators = phase.emulatorCpuSeconds;
    lines.push(
      `- Until the last run ended (${ms(phase.wallMs)} ms, CPU sampled every 0.5 s) flightdeck (all ${r.processes.length} processes) used ${phase.flightdeckCpuSeconds.toFixed(1)} CPU s,`,
      `  ${((phase.flightdeckCpuSeconds / (phase.wallMs / 1000)) * 100).toFixed(0)}% of one core, while the emulator process (single-threaded: both emulators)`,
      `  used ${emulators === undefined ? '—' : `${emulators.toFixed(1)} CPU s, ${((emulators / (phase.wallMs / 1000)) * 100).toFixed(0)}% of one core`}. Near 100% there means the emulators, not flightdeck, set the pace.`,
    );
  }
  const c = r.slackChannels;
  if (r.wallToTerminalMs !== undefined && r.wallToRenderedMs !== undefined && r.wallToRenderedMs > 2 * r.wallToTerminalMs) {
    lines.push(
      `- The runs were terminal after ${ms(r.wallToTerminalMs)} ms but the last message showed its outcome only after ${ms(r.wallToRenderedMs)} ms:`,
      '  Slack, not the rollouts, bounds the time until every message is final. Every write into a channel (edits, thread',
      `  replies, reminders) takes its turn ${CHANNEL_SPACING_MS} ms apart, and the busiest of the ${c.channels} channels had ${c.busiestWrites} writes`,
      `  (mean ${c.meanWrites.toFixed(1)}), so no schedule finishes it sooner than about ${ms(c.busiestWrites * CHANNEL_SPACING_MS)} ms.`,
    );
  }
  lines.push(
    `- Slack answered ${c.rateLimits} writes 429 (in ${c.channelsWith429} channels, at most ${c.most429s} in one); ${c.rateLimitsFollowedByStall} of them were followed by`,
    `  a silence towards every channel (what a client-wide pause for Retry-After looks like), ${c.silentSeconds.toFixed(1)} s without any call in all.`,
    `  Admitted writes: ${c.writesPerSecond.toFixed(1)} per second over the window.`,
  );
  if (r.timedOut) lines.push(`- The time limit (${r.windowMs / 1000} s) ran out before every message showed its outcome and every thread was complete.`);
  if (r.cpuProfile) {
    lines.push(`- CPU profile of the flightdeck process (\`--cpu-prof\`, ${r.cpuProfilePath ?? ''}), top self time:`);
    for (const hot of r.cpuProfile.slice(0, 8)) lines.push(`  - ${hot.selfPercent.toFixed(1)}% \`${hot.name}\`${hot.where ? ` (${hot.where})` : ''}`);
  }
  return lines;
}

function growth(series: readonly ManyRunsResult[]): string[] {
  if (series.length < 2) return [];
  return [
    'One pass per size, each with a fresh Redis, emulator process and flightdeck processes, and as many runs per channel',
    'as the first, so Slack\'s per-channel pacing weighs the same at every size. Figures per run should stay constant as',
    'the runs grow. CPU columns: share of one core over the pass\'s window (first /deploy to every thread complete).',
    '',
    ...runsGrowthTable(series),
    '',
    `The detail below is the pass of ${series.reduce((max, r) => Math.max(max, r.runs), 0)} runs.`,
    '',
  ];
}

/**
 * Section 2 of BENCHMARKS.md: the growth table of `series` (two passes or more) and the detail of `r`. With
 * `alone` (measured by `--only runs`), the command, date and machine head the section, as the file's head is kept.
 */
export function runsSection(r: ManyRunsResult | undefined, series: readonly ManyRunsResult[], alone?: { command: string; startedAt: Date; machine: MachineInfo }): string[] {
  const head = [RUNS_HEADING, ''];
  if (!r) return [...head, 'Not run by this command (`--only ack`).', ''];
  return [
    ...head,
    ...(alone
      ? [
          `- Command: \`${alone.command}\``,
          `- Date: ${alone.startedAt.toISOString()}`,
          `- Machine: ${alone.machine.nproc} CPUs (${alone.machine.cpuModel}), ${alone.machine.memoryGiB} GiB memory, Node ${alone.machine.node}, Redis ${alone.machine.redis}`,
          '',
        ]
      : []),
    ...growth(series),
    `${r.runs} runs of a checklist with only \`set-image\` + \`wait-rollout\`, created by signed \`/deploy\`s for ${r.runs} distinct services`,
    `(each with its own Deployment, ${r.replicas} replica, pods ready ${r.readyDelayMs} ms after creation) through flightdeck as the Helm chart`,
    `runs it: one \`web\` process and ${r.workers} \`worker\` processes (\`WORKER_CONCURRENCY=${r.workerConcurrency}\` each, \`LOG_LEVEL=info\`) on one Redis.`,
    `The /deploys come from ${r.channels} channels round-robin. The emulators run in a process of their own, the /deploy driver in the bench process.`,
    `The Slack emulator limits \`chat.postMessage\`, \`chat.update\` and \`files.completeUploadExternal\` (a file shared is a message) to 1 per second per`,
    'channel each (Slack documents about one message per second per channel for posting; its workspace-wide per-method tiers are not modelled).',
    '',
    ...manyRunsTable(r),
    '',
    'How each figure is taken:',
    '- Kubernetes: every request the emulator received during the window. Every Deployment is in one emulator instance',
    '  (one kubeconfig context, one namespace per service), as one cluster would hold them; its controller reads a',
    "  Deployment's ReplicaSets and Pods through its owner index and skips Deployments that have settled.",
    '- The window runs from the first /deploy until every run message shows its outcome and every run thread is complete',
    '  (the summary, which shares its deployment log after every other reply, is in it), or the time limit: the calls and',
    '  commands per run count all of a run\'s work, its thread included.',
    '- Slack: every Web API call the emulator received during the window, including the ones it answered 429; writes are',
    '  the calls that change what a channel shows (`chat.postMessage`, `chat.update`, `files.completeUploadExternal`) it answered `ok`.',
    '- Redis: a `redis-server` started for this measurement only; `CONFIG RESETSTAT` right before the first /deploy and',
    '  `INFO commandstats` at the end, minus the bench\'s own `INFO`/`CONFIG`; the bench reads nothing else from Redis inside',
    '  the window (completion is watched in the Slack emulator), so the counts are flightdeck\'s: run store scripts, BullMQ',
    '  queues, render pacing and the reconciler.',
    '- Peak RSS: `VmHWM` from `/proc/<pid>/status` of each flightdeck process (started fresh for this measurement), at the',
    '  end of the window. Redis memory: `used_memory_peak` of the Redis started for this pass, at the end of the window.',
    '- CPU seconds: `/proc/<pid>/stat` of the flightdeck processes and the emulator process, `process.cpuUsage()` of the',
    '  bench process (the /deploy driver, and reading the flightdeck processes\' logs), `INFO cpu` of Redis.',
    '- Stalled jobs: `flightdeck_jobs_stalled_total` summed over the processes\' `/metrics` at the end ("not exported" when',
    '  no process has it).',
    '- Wall time to terminal: the latest `endedAt` of the stored runs minus the time the first /deploy was sent.',
    '',
    'What bounds it:',
    ...boundsOf(r),
    '',
    ...redisUsesLines(r),
  ];
}

/** Replaces section 2 of the file at `path` (up to the next section), or appends it when the file has none. */
export function writeRunsSection(path: string, lines: readonly string[]): void {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const start = existing.indexOf(RUNS_HEADING);
  const text = lines.join('\n');
  if (start < 0) {
    writeFileSync(path, `${existing.replace(/\n*$/, '\n\n')}${text}`);
    return;
  }
  const next = existing.indexOf('\n## ', start + RUNS_HEADING.length);
  writeFileSync(path, `${existing.slice(0, start)}${text}${next < 0 ? '' : `\n${existing.slice(next + 1)}`}`);
}
