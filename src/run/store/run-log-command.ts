import type { RedisClient } from './create-redis.js';
import type { Env } from '../../config/load-env.js';
import { buildDeploymentLog } from '../../format/deployment-log/build-deployment-log.js';
import type { AuditEntry } from '../core/run-schema.js';
import { connectCliRedis } from './connect-cli-redis.js';
import { parseRun } from './parse-run.js';
import { readAuditLog } from './read-audit-log.js';
import { runKeys, type RunKeys } from './run-keys.js';
import { runSummarySchema } from './run-summary.js';

export const LOG_USAGE = 'Usage: flightdeck log <run id>';

export interface LogIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * `flightdeck log <run>`: the run's deployment log as Markdown on stdout — the file an ended run posts in its
 * thread, written now, so a follow-up's results show as they come in. Its timeline reads the audit entries
 * still kept (the day archives and the live stream) from the run's creation on. People are shown by their
 * Slack id (the CLI asks Slack nothing). Exit 2 on bad arguments, 1 for a run this Redis does not hold (a
 * run whose document expired is told apart from one that never was).
 */
export async function runLogCommand(args: readonly string[], env: Env, io: LogIo, now: () => number): Promise<number> {
  const id = /^#?([1-9][0-9]{0,15})$/.exec(args[0] ?? '')?.[1];
  if (args.length !== 1 || id === undefined) {
    io.stderr(`${args.length === 0 ? 'Which run? Give its number, as shown in its message.' : `Give one run number, e.g. flightdeck log 42 (not "${args.join(' ')}").`}\n${LOG_USAGE}\n`);
    return 2;
  }
  const redis = await connectCliRedis(env);
  try {
    const keys = runKeys(env.redisPrefix);
    const [doc, summary] = await Promise.all([redis.hget(keys.run(id), 'doc'), redis.hget(keys.summaries, id)]);
    if (doc === null) {
      io.stderr(`${missingRun(id, summary, env)}\n`);
      return 1;
    }
    const run = parseRun(doc);
    io.stdout(buildDeploymentLog({ run, audit: await auditOf(redis, keys, run.id, run.createdAt), now: now() }));
    return 0;
  } finally {
    redis.disconnect();
  }
}

function missingRun(id: string, summary: string | null, env: Env): string {
  if (summary === null) return `There is no run #${id} in this flightdeck (Redis prefix "${env.redisPrefix}"): check the number, and REDIS_URL and REDIS_PREFIX.`;
  const { service, environment, version, state } = runSummarySchema.parse(JSON.parse(summary));
  return (
    `Run #${id} (${service} ${version} to ${environment}, ${state}) is in the history only: its document expired ` +
    `(RUN_RETENTION_DAYS=${env.runRetentionDays}), so its log cannot be written any more. Its audit entries, while kept: flightdeck audit --service ${service}`
  );
}

async function auditOf(redis: RedisClient, keys: RunKeys, runId: string, since: number): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (const { id: _streamId, ...entry } of readAuditLog(redis, keys, { sinceMs: since })) if (entry.run === runId) entries.push(entry);
  return entries;
}
