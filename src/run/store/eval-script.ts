import { createHash } from 'node:crypto';
import type { RedisClient } from './create-redis.js';

/** A Lua script with its SHA1, so calls send the digest and the body only once per server. */
export interface LuaScript {
  source: string;
  sha: string;
}

/** Wraps Lua source for {@link evalScript}. */
export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs a script by digest and falls back to sending its body when the server does not have it cached
 * (after a restart or SCRIPT FLUSH). Other errors propagate.
 */
export async function evalScript(
  redis: RedisClient,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}

/** How the audit stays bounded: the live stream's approximate length, and the days the day archives keep. */
export interface AuditBounds {
  /** The live stream (and each day's archive) holds about this many entries (AUDIT_MAX_ENTRIES). */
  cap: number;
  /** Whole days a day's archive is kept after the day ended; 0 drops trimmed entries (AUDIT_ARCHIVE_DAYS). */
  archiveDays: number;
  /** How long a run's own index of its entries is kept after its last entry: as long as an ended run (RUN_RETENTION_DAYS). */
  runKeepMs: number;
}

/**
 * Flattens audit entries into the ARGV tail the scripts expect (see appendAuditLua): the audit stream's
 * length cap, the archive's retention in days, how long a run's own index is kept (ms), a count, then five
 * fields per entry.
 */
export function auditArgs(bounds: AuditBounds, entries: readonly { run: string; actor: string; action: string; detail: string; at: number }[]): (string | number)[] {
  const args: (string | number)[] = [bounds.cap, bounds.archiveDays, bounds.runKeepMs, entries.length];
  for (const e of entries) args.push(e.run, e.actor, e.action, e.detail, e.at);
  return args;
}
