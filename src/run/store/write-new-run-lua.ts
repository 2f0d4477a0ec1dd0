import { appendAuditLua } from './append-audit-lua.js';
import { markReconcileDueLua } from './mark-reconcile-due-lua.js';
import { markRenderDueLua } from './mark-render-due-lua.js';

/**
 * The Lua that writes a new run once its lock may be taken: lock value, document (seq 1), active set,
 * render-due and reconcile-due marks, history entry and audit entries. Shared by the scripts that create
 * deploy and rollback runs, which differ only in when they may take the lock.
 *
 * KEYS: lock, run, active set, history zset, audit stream, render-due zset; the reconcile-due zset is the
 * slot the caller names (`reconcileDueKey`, a Lua expression).
 * ARGV: run id, run JSON, createdAt, key base, then the audit tail (cap, archive days, run index ms, count, 5 fields each).
 */
export function writeNewRunLua(reconcileDueKey: string): string {
  return `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'seq', 1, 'doc', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
${markRenderDueLua('KEYS[6]', 'ARGV[1]')}
${markReconcileDueLua(reconcileDueKey, 'ARGV[1]')}
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
${appendAuditLua('KEYS[5]', '5')}`;
}
