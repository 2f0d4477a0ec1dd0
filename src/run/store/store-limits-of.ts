import type { Env } from '../../config/load-env.js';

/** How much Redis the store may grow to; see RunStore's constructor. */
export interface StoreLimits {
  /** The audit stream is trimmed to about this many entries, and each day's archive too. Default 100,000 (AUDIT_MAX_ENTRIES). */
  auditMaxEntries?: number;
  /**
   * Entries trimmed from the stream move to a per-day archive (`{prefix}:audit:YYYY-MM-DD`, by the entry's
   * own date) that expires this many whole days after its day; 0 drops them instead. Default 30 (AUDIT_ARCHIVE_DAYS).
   */
  auditArchiveDays?: number;
  /** An ended run's document expires this long after its last write; its summary stays. Default 90 days (RUN_RETENTION_DAYS). */
  runRetentionMs?: number;
  /** Entries with no change of a run (refusals) one actor may add to the audit per minute; the rest are dropped. Default 10. */
  refusalsPerMinute?: number;
}

const DAY_MS = 86_400_000;

/** The bounds of a store given none. */
export const DEFAULT_STORE_LIMITS: Required<StoreLimits> = { auditMaxEntries: 100_000, auditArchiveDays: 30, runRetentionMs: 90 * DAY_MS, refusalsPerMinute: 10 };

/** The store's bounds from the parsed environment, the same for `serve` and the operator commands that write. */
export function storeLimitsOf(env: Env): Required<StoreLimits> {
  return {
    auditMaxEntries: env.auditMaxEntries,
    auditArchiveDays: env.auditArchiveDays,
    runRetentionMs: env.runRetentionDays * DAY_MS,
    refusalsPerMinute: env.auditRefusalsPerMinute,
  };
}
