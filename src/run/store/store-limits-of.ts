import type { Env } from '../../config/load-env.js';
import type { StoreLimits } from './run-store.js';

/** The store's bounds from the parsed environment, the same for `serve` and the operator commands that write. */
export function storeLimitsOf(env: Env): Required<StoreLimits> {
  return {
    auditMaxEntries: env.auditMaxEntries,
    auditArchiveDays: env.auditArchiveDays,
    runRetentionMs: env.runRetentionDays * 86_400_000,
    refusalsPerMinute: env.auditRefusalsPerMinute,
  };
}
