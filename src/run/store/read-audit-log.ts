import { Cluster } from 'ioredis';
import type { RedisClient } from './create-redis.js';
import type { AuditEntry } from '../core/run-schema.js';
import type { RunKeys } from './run-keys.js';
import { parseAuditFields } from './read-run-audit.js';

const DAY_MS = 86_400_000;
/** Entries read from each source in one round. */
const PAGE = 1000;

/** An audit entry with its stream id (Redis time of the write, `ms-seq`), which orders the log and names the entry. */
export interface LoggedAuditEntry extends AuditEntry {
  id: string;
}

export interface ReadAuditLogOptions {
  /** Only entries whose `at` is at or after this time (ms since the epoch); default all. */
  sinceMs?: number;
}

/**
 * Every audit entry still kept, oldest first by id: the per-day archives (`{prefix}:audit:YYYY-MM-DD`) and the
 * live stream merged.
 *
 * Entries move from the stream to the archives while this reads, so each round reads a page of every source
 * in one MULTI (one consistent moment) and yields only the entries up to the smallest last id of a full page:
 * every entry up to there was in one of the pages, wherever it was then. The day keys read are those found at
 * the start plus every day from the day before the stream's oldest entry to tomorrow (Redis's clock), where
 * the entries the stream hands over next go; an entry dated later than tomorrow by a clock gone wrong, and
 * archived while this reads, is missed.
 */
export async function* readAuditLog(redis: RedisClient, keys: RunKeys, options: ReadAuditLogOptions = {}): AsyncGenerator<LoggedAuditEntry> {
  const since = options.sinceMs ?? 0;
  const sinceDay = dateOf(since);
  // Read before the scan: an entry archived after this read goes to a day from the one before the stream's
  // oldest entry (clocks disagree across midnight) onwards; one archived before it is found by the scan.
  let headAt = await oldestAt(redis, keys);
  const days = new Set((await scanArchiveDays(redis, keys)).filter((day) => day >= sinceDay));
  let after = '-';
  for (;;) {
    const [seconds] = await redis.time();
    const now = Number(seconds) * 1000;
    addDays(days, Math.min(headAt ?? now, now) - DAY_MS, now + DAY_MS, sinceDay);
    const sources = [keys.audit, ...[...days].sort().map((day) => `${keys.audit}:${day}`)];
    const start = after === '-' ? '-' : `(${after}`;
    const batch = redis.multi();
    batch.xrange(keys.audit, '-', '+', 'COUNT', 1);
    for (const key of sources) batch.xrange(key, start, '+', 'COUNT', PAGE);
    const replies = (await batch.exec()) ?? [];
    const pages = replies.map(([err, reply]) => {
      if (err) throw err;
      return reply as [string, string[]][];
    });
    const [head = [], ...sourcePages] = pages;
    headAt = head[0] ? parseAuditFields(head[0][1]).at : undefined;
    let bound: string | undefined;
    for (const page of sourcePages) {
      if (page.length < PAGE) continue;
      const last = page[page.length - 1]![0];
      if (bound === undefined || compareIds(last, bound) < 0) bound = last;
    }
    const entries = sourcePages
      .flat()
      .filter(([id]) => bound === undefined || compareIds(id, bound) <= 0)
      .sort(([a], [b]) => compareIds(a, b));
    for (const [id, fields] of entries) {
      const entry = parseAuditFields(fields);
      if (entry.at >= since) yield { id, ...entry };
    }
    if (bound === undefined) return;
    after = bound;
  }
}

/** Orders stream ids (`ms-seq`) as Redis does. */
function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

function dateOf(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

function addDays(days: Set<string>, fromMs: number, toMs: number, sinceDay: string): void {
  for (let ms = Math.floor(fromMs / DAY_MS) * DAY_MS; ms <= toMs; ms += DAY_MS) {
    const day = dateOf(ms);
    if (day >= sinceDay) days.add(day);
  }
}

async function oldestAt(redis: RedisClient, keys: RunKeys): Promise<number | undefined> {
  const [first] = await redis.xrange(keys.audit, '-', '+', 'COUNT', 1);
  return first ? parseAuditFields(first[1]).at : undefined;
}

async function scanArchiveDays(redis: RedisClient, keys: RunKeys): Promise<string[]> {
  const days: string[] = [];
  // A Cluster client sends SCAN to any one node; the archives are on whichever master serves the prefix's slot.
  for (const node of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${keys.audit}:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]`, 'COUNT', 1000);
      for (const key of found) days.push(key.slice(-10));
      cursor = next;
    } while (cursor !== '0');
  }
  return days;
}
