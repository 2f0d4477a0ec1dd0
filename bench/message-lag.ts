import type { Redis } from 'ioredis';
import { MESSAGE_LAG_BOUND_MS, RENDER_LEASE_MS } from '../src/queue/notify/process-render.js';
import { CHANNEL_SPACING_MS } from '../src/queue/notify/channel-pacer.js';
import { parseRun } from '../src/run/store/parse-run.js';
import type { Run } from '../src/run/core/run-schema.js';
import { renderRunMessage } from '../src/slack/render-run-message.js';
import type { RecordedCall, SlackEmulator } from '../sandbox/slack/index.js';
import { convergedAt, sameBlocks } from '../test/support/message-convergence.js';
import { latencyStats, type LatencyStats } from './latency-stats.js';
import { scanRunDocs } from './scan-run-docs.js';

/** flightdeck's default reconcile interval (RECONCILE_INTERVAL_MS). */
const RECONCILE_INTERVAL_MS = 10_000;

/**
 * How long after a run's last change its message may take to show it, with flightdeck's defaults: the lag
 * bound after which the render goes ahead of its channel's line, a reconcile interval, a claim in the render
 * queue left by a slow or dead render, and one channel turn per run message in the busiest channel.
 */
export function messageBoundMs(runsPerChannel: number): number {
  return MESSAGE_LAG_BOUND_MS + RECONCILE_INTERVAL_MS + RENDER_LEASE_MS + CHANNEL_SPACING_MS * runsPerChannel;
}

/** How far behind their runs the run messages of one phase came to show them. */
export interface MessageLagFigures {
  runs: number;
  /** Messages that show their run's latest change. */
  final: number;
  /** From each run's last change (`updatedAt`) to the Slack write after which its message showed it for good. */
  lag: LatencyStats | undefined;
  worstMs: number | undefined;
  worstRun: string | undefined;
  boundMs: number;
  /** Messages not final, or final later than the bound. A phase with any fails. */
  overBound: number;
}

async function readRuns(redis: Redis, prefix: string): Promise<Run[]> {
  return (await scanRunDocs(redis, prefix)).map(parseRun);
}

function shows(slack: SlackEmulator, run: Run): boolean {
  const stored = run.messageTs ? slack.message(run.channel, run.messageTs) : undefined;
  return stored !== undefined && sameBlocks(stored.blocks, renderRunMessage(run).blocks);
}

/**
 * Waits up to `waitMs` for every run under `prefix` to have its message show it as stored, then measures
 * each message's lag from the Slack emulator's record of the writes. Re-reads the runs while waiting, so a
 * run that changes meanwhile is judged as it ends up.
 */
export async function measureMessageLag(options: { redis: Redis; prefix: string; slack: SlackEmulator; boundMs: number; waitMs: number }): Promise<MessageLagFigures> {
  const { redis, prefix, slack, boundMs } = options;
  const deadline = Date.now() + options.waitMs;
  let runs = await readRuns(redis, prefix);
  while (Date.now() < deadline && !runs.every((run) => shows(slack, run))) {
    await new Promise((wake) => setTimeout(wake, 500));
    runs = await readRuns(redis, prefix);
  }
  // One pass over the record, not one per run: with 10,000 runs and ten times as many calls, per-run scans take minutes.
  const callsOf = new Map<unknown, RecordedCall[]>();
  for (const call of slack.calls) {
    const calls = callsOf.get(call.args.channel);
    if (calls) calls.push(call);
    else callsOf.set(call.args.channel, [call]);
  }
  const lags: number[] = [];
  let worst: { ms: number; run: string } | undefined;
  let overBound = 0;
  for (const run of runs) {
    const at = shows(slack, run) ? convergedAt(callsOf.get(run.channel) ?? [], run.channel, run.messageTs!, renderRunMessage(run).blocks) : undefined;
    if (at === undefined) {
      overBound += 1;
      continue;
    }
    const ms = Math.max(0, at - run.updatedAt);
    lags.push(ms);
    if (ms > boundMs) overBound += 1;
    if (!worst || ms > worst.ms) worst = { ms, run: run.id };
  }
  return {
    runs: runs.length,
    final: lags.length,
    lag: lags.length > 0 ? latencyStats(lags) : undefined,
    worstMs: worst?.ms,
    worstRun: worst?.run,
    boundMs,
    overBound,
  };
}

/** One line for a phase's log and report: how many messages were final and the worst lag against the bound. */
export function describeMessageLag(figures: MessageLagFigures): string {
  const worst = figures.worstMs === undefined ? 'none final' : `worst ${figures.worstMs} ms (run #${figures.worstRun}), p50 ${Math.round(figures.lag!.p50)} ms, p99 ${Math.round(figures.lag!.p99)} ms`;
  return `${figures.final} of ${figures.runs} messages final; lag from the run's last change ${worst}; bound ${figures.boundMs} ms, ${figures.overBound} over`;
}
