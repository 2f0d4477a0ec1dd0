import type { RedisClient } from './create-redis.js';
import { z } from 'zod';
import { plainRunReason } from '../core/run-reason.js';
import { parseDuration } from '../../checklist/parse-duration.js';
import type { Env } from '../../config/load-env.js';
import { formatDuration } from '../../format/format-duration.js';
import type { RunEvent } from '../core/run-event.js';
import type { Run } from '../core/run-schema.js';
import { connectCliRedis } from './connect-cli-redis.js';
import { listRuns, listStuckRuns, type RunRow, type StuckRunRow } from './list-runs.js';
import { readFlags } from './read-flags.js';
import { RunStore } from './run-store.js';
import { storeLimitsOf } from './store-limits-of.js';

export const RUNS_USAGE = `Usage: flightdeck runs list [--stale | --stuck [--for <duration, default 10m>]]
       flightdeck runs end <run id> --reason <text> [--by <name>]`;

export interface RunsIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** What `runs end` needs beyond the store: the engine that applies an event and enqueues its work (the composition root builds it). */
export interface RunsDeps {
  now: () => number;
  openEngine: (redis: RedisClient, store: RunStore) => { apply(runId: string, event: RunEvent): Promise<Run>; close(): Promise<void> };
}

const durationText = z.string().refine((text) => parseDuration(text) !== null, { message: 'is not a duration (e.g. 10m, 1h)' });
const listFlags = z.object({ stale: z.literal(true).optional(), stuck: z.literal(true).optional(), for: durationText.optional() }).strict();
const endFlags = z
  .object({
    reason: z.string({ error: 'is required: say why in a few words (it is audited)' }).trim().min(3, 'say why in a few words (it is audited)'),
    by: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'a name of letters, digits and . _ @ -').optional(),
  })
  .strict();

function table(header: string[], lines: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)));
  return [header, ...lines].map((cells) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function formatRows(rows: readonly RunRow[]): string {
  return table(
    ['RUN', 'SERVICE', 'ENVIRONMENT', 'STATE', 'SEQ', 'SHOWN', 'MESSAGE BEHIND'],
    rows.map((row) => [`#${row.id}`, row.service, row.environment, row.state, String(row.seq), String(row.rendered), row.behindMs === undefined ? '-' : `${(row.behindMs / 1000).toFixed(1)} s`]),
  );
}

function formatStuck(rows: readonly StuckRunRow[]): string {
  return table(['RUN', 'SERVICE', 'ENVIRONMENT', 'STEP', 'OVERDUE'], rows.map((row) => [`#${row.id}`, row.service, row.environment, row.step, formatDuration(row.overdueMs)]));
}

/**
 * `flightdeck runs …`, read from and written to Redis (REDIS_URL, REDIS_PREFIX):
 * - `list`: active runs and runs whose Slack message does not show their latest change; `--stale` only
 *   messages behind for longer than MESSAGE_LAG_BOUND_MS, `--stuck` only runs overdue by `--for` (see
 *   listStuckRuns); either exits 1 when it lists any, so a cron job or probe can alert on it.
 * - `end <id> --reason`: stops a run as `/deploy cancel` does (the `abort` transition: `aborted`, or `failed`
 *   with a rollback once it changed the cluster), audited under `--by` (default `cli`); the lock goes with it.
 * Exit 2 on bad arguments, 1 on a refusal (the error's words).
 */
export async function runRunsCommand(args: readonly string[], env: Env, io: RunsIo, deps: RunsDeps): Promise<number> {
  const [sub, ...rest] = args;
  const usage = (problems: string[]) => {
    io.stderr(`${problems.join('\n')}\n${RUNS_USAGE}\n`);
    return 2;
  };
  if (sub === 'list') {
    const read = readFlags(rest, listFlags, { command: 'flightdeck runs list', switches: ['stale', 'stuck'] });
    if ('problems' in read) return usage(read.problems);
    const { stale, stuck, for: forText } = read.flags;
    if (read.positional.length > 0) return usage([`Unknown arguments "${read.positional.join(' ')}"`]);
    if (stale && stuck) return usage(['--stale and --stuck list different things: give one']);
    if (forText !== undefined && !stuck) return usage(['--for goes with --stuck']);
    return withStore(env, async (store) => {
      if (stuck) {
        const grace = forText ?? '10m';
        const rows = await listStuckRuns(store, deps.now(), parseDuration(grace)!);
        io.stdout(rows.length === 0 ? `No running run is overdue by more than ${grace}.\n` : `${formatStuck(rows)}\n`);
        return rows.length === 0 ? 0 : 1;
      }
      const rows = await listRuns(store, stale ? { staleAfterMs: env.messageLagBoundMs } : {});
      if (rows.length === 0) {
        io.stdout(stale ? `No run message has trailed its run for longer than ${env.messageLagBoundMs} ms.\n` : 'No active runs, and every message shows its run.\n');
        return 0;
      }
      io.stdout(`${formatRows(rows)}\n`);
      return stale ? 1 : 0;
    });
  }
  if (sub === 'end') {
    const read = readFlags(rest, endFlags, { command: 'flightdeck runs end' });
    if ('problems' in read) return usage(read.problems);
    const [id, ...extra] = read.positional;
    if (id === undefined || !/^\d+$/.test(id) || extra.length > 0) return usage([`Give one run id (a number), e.g. flightdeck runs end 42 --reason "…"`]);
    return withStore(env, async (store, redis) => {
      const engine = deps.openEngine(redis, store);
      try {
        const run = await engine.apply(id, { type: 'abort', actor: read.flags.by ?? 'cli', reason: read.flags.reason });
        io.stdout(`Run #${run.id} (${run.service} in ${run.environment}) ended ${run.state}: ${run.reason === undefined ? '' : plainRunReason(run.reason)}\n`);
        if (run.state === 'failed' && run.kind === 'deploy') io.stdout('It had changed the cluster: a rollback run was requested.\n');
        return 0;
      } finally {
        await engine.close();
      }
    });
  }
  return usage([sub === undefined ? 'Missing subcommand' : `Unknown arguments "${args.join(' ')}"`]);
}

async function withStore(env: Env, work: (store: RunStore, redis: RedisClient) => Promise<number>): Promise<number> {
  const redis = await connectCliRedis(env);
  try {
    return await work(new RunStore(redis, env.redisPrefix, storeLimitsOf(env)), redis);
  } finally {
    redis.disconnect();
  }
}
