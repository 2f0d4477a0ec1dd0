import type { RedisClient } from './create-redis.js';
import type { Env } from '../../config/load-env.js';
import { AUDIT_USAGE, parseAuditFlags } from './audit-flags.js';
import { connectCliRedis } from './connect-cli-redis.js';
import { parseRun } from './parse-run.js';
import { readAuditLog, type LoggedAuditEntry } from './read-audit-log.js';
import { runKeys, type RunKeys } from './run-keys.js';
import { runSummarySchema } from './run-summary.js';

export interface AuditIo {
  /** Writes a chunk of the export; the promise settles when the reader can take more (backpressure). */
  stdout: (text: string) => Promise<void> | void;
  stderr: (text: string) => void;
}

const CSV_COLUMNS = ['id', 'time', 'at', 'run', 'actor', 'action', 'detail'] as const;
/** Lines written at once: one write per entry would cost a syscall each on a long export. */
const CHUNK_LINES = 500;

/**
 * `flightdeck audit [--since] [--service] [--format jsonl|csv]`: every audit entry still kept (the day archives,
 * then the live stream, oldest first) to stdout, one JSON object or CSV row per entry, for a log shipper.
 * Exit 2 on bad flags (every problem said), 1 when Redis cannot be reached.
 */
export async function runAuditCommand(args: readonly string[], env: Env, io: AuditIo, now: number = Date.now()): Promise<number> {
  const parsed = parseAuditFlags(args, now);
  if ('problems' in parsed) {
    io.stderr(`${parsed.problems.join('\n')}\n${AUDIT_USAGE}\n`);
    return 2;
  }
  const { since, service, format } = parsed.flags;
  const redis = await connectCliRedis(env);
  try {
    const keys = runKeys(env.redisPrefix);
    const serviceOf = serviceResolver(redis, keys);
    let chunk: string[] = format === 'csv' ? [CSV_COLUMNS.join(',')] : [];
    for await (const entry of readAuditLog(redis, keys, { sinceMs: since })) {
      if (service !== undefined && (await serviceOf(entry)) !== service) continue;
      chunk.push(format === 'csv' ? csvRow(entry) : JSON.stringify(record(entry)));
      if (chunk.length >= CHUNK_LINES) {
        await io.stdout(`${chunk.join('\n')}\n`);
        chunk = [];
      }
    }
    if (chunk.length > 0) await io.stdout(`${chunk.join('\n')}\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

function record(entry: LoggedAuditEntry) {
  return { id: entry.id, time: new Date(entry.at).toISOString(), at: entry.at, run: entry.run, actor: entry.actor, action: entry.action, detail: entry.detail };
}

/** RFC 4180: every field quoted, quotes doubled, so commas and line breaks in people's text stay in their cell. */
function csvRow(entry: LoggedAuditEntry): string {
  const fields = record(entry);
  return CSV_COLUMNS.map((column) => `"${String(fields[column]).replaceAll('"', '""')}"`).join(',');
}

/**
 * The service an entry is about: its run's (from the run's document, or its summary once the document
 * expired), or the first word of a person's lock entry (`lock.taken`, `lock.released`: "<service> <env>…").
 * Refusals not tied to a run name no service. Looked up once per run.
 */
function serviceResolver(redis: RedisClient, keys: RunKeys): (entry: LoggedAuditEntry) => Promise<string | undefined> {
  const known = new Map<string, string | undefined>();
  return async (entry) => {
    if (entry.run === '') return entry.action.startsWith('lock.') ? entry.detail.split(' ')[0] : undefined;
    if (known.has(entry.run)) return known.get(entry.run);
    const [doc, summary] = await Promise.all([redis.hget(keys.run(entry.run), 'doc'), redis.hget(keys.summaries, entry.run)]);
    const service = doc !== null ? parseRun(doc).service : summary !== null ? runSummarySchema.parse(JSON.parse(summary)).service : undefined;
    known.set(entry.run, service);
    return service;
  };
}
