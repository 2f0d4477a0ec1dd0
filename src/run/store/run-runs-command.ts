import type { Env } from '../../config/load-env.js';
import { connectCliRedis } from './connect-cli-redis.js';
import { listRuns, type RunRow } from './list-runs.js';
import { RunStore } from './run-store.js';

export const RUNS_USAGE = 'Usage: flightdeck runs list [--stale]';

export interface RunsIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

function formatRows(rows: readonly RunRow[]): string {
  const header = ['RUN', 'SERVICE', 'ENVIRONMENT', 'STATE', 'SEQ', 'SHOWN', 'MESSAGE BEHIND'];
  const lines = rows.map((row) => [
    `#${row.id}`,
    row.service,
    row.environment,
    row.state,
    String(row.seq),
    String(row.rendered),
    row.behindMs === undefined ? '-' : `${(row.behindMs / 1000).toFixed(1)} s`,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)));
  return [header, ...lines].map((cells) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/**
 * `flightdeck runs list [--stale]`: active runs and runs whose Slack message does not show their latest
 * change, read from Redis (REDIS_URL, REDIS_PREFIX). `--stale` lists only messages behind for longer than
 * MESSAGE_LAG_BOUND_MS and exits 1 when there is any, so a cron job or probe can alert on it.
 */
export async function runRunsCommand(args: readonly string[], env: Env, io: RunsIo): Promise<number> {
  const [sub, ...flags] = args;
  const stale = flags.includes('--stale');
  if (sub !== 'list' || flags.some((flag) => flag !== '--stale')) {
    io.stderr(`${sub === undefined ? 'Missing subcommand' : `Unknown arguments "${args.join(' ')}"`}.\n${RUNS_USAGE}\n`);
    return 2;
  }
  const redis = await connectCliRedis(env);
  try {
    const rows = await listRuns(new RunStore(redis, env.redisPrefix), stale ? { staleAfterMs: env.messageLagBoundMs } : {});
    if (rows.length === 0) {
      io.stdout(stale ? `No run message has trailed its run for longer than ${env.messageLagBoundMs} ms.\n` : 'No active runs, and every message shows its run.\n');
      return 0;
    }
    io.stdout(`${formatRows(rows)}\n`);
    return stale ? 1 : 0;
  } finally {
    redis.disconnect();
  }
}
