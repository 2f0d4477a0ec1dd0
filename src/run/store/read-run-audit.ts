import type { RedisClient } from './create-redis.js';
import { auditEntrySchema, type AuditEntry } from '../core/run-schema.js';
import type { RunKeys } from './run-keys.js';

/** Audit entries are read in pages of this size while filtering the shared stream by run. */
const AUDIT_PAGE = 500;

/** An audit stream entry's flat field list (`XRANGE`'s reply), validated. */
export function parseAuditFields(fields: string[]): AuditEntry {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
  return auditEntrySchema.parse({ ...record, at: Number(record.at) });
}

/**
 * The newest `count` audit entries, of one run when `runId` is given, in the order they were written. A run's
 * come from its own index (one read); a run whose entries were written before that index existed is found by
 * scanning the shared stream backwards page by page, which costs more for old runs.
 */
export async function readRunAudit(redis: RedisClient, keys: RunKeys, runId: string | undefined, count: number): Promise<AuditEntry[]> {
  if (runId !== undefined) {
    const own = await redis.xrevrange(keys.runAudit(runId), '+', '-', 'COUNT', count);
    if (own.length > 0) return own.map(([, fields]) => parseAuditFields(fields)).reverse();
  }
  const found: AuditEntry[] = [];
  let end = '+';
  while (found.length < count) {
    const page = await redis.xrevrange(keys.audit, end, '-', 'COUNT', AUDIT_PAGE);
    for (const [, fields] of page) {
      const entry = parseAuditFields(fields);
      if (runId === undefined || entry.run === runId) found.push(entry);
      if (found.length >= count) break;
    }
    if (page.length < AUDIT_PAGE) break;
    end = `(${page[page.length - 1]![0]}`;
  }
  return found.reverse();
}
