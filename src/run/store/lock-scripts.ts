import { appendAuditLua } from './append-audit-lua.js';
import { luaScript } from './eval-script.js';
import { markReconcileDueLua } from './mark-reconcile-due-lua.js';
import { markRenderDueLua } from './mark-render-due-lua.js';
import { keepInOutboxLua } from './outbox-index.js';
import { writeNewRunLua } from './write-new-run-lua.js';
import { REDIS_NOW_LUA } from './redis-now-lua.js';

/** Lock values that are not run ids: a person's lock (`/deploy lock`), JSON after the prefix. */
export const MANUAL_LOCK_PREFIX = 'manual:';

/**
 * Creates a rollback run and makes it the lock holder, replacing whoever held it: the run it undoes, or a
 * person's manual lock. It never replaces another rollback in flight, nor a deploy it does not undo (that
 * would leave two runs acting on one target). The run it undoes, if any, is written in the same script
 * (compare-and-set on its seq): a deploy in flight is stopped in the very step that takes its lock, so no
 * step of it can act after the rollback began. An ended run it undoes has its history summary rewritten too,
 * since that summary now says it was rolled back.
 *
 * The undone run's thread reply and the like go to its outbox, as in every write of a run (outbox-index.ts).
 *
 * KEYS: lock, run, active set, history zset, audit stream, render-due zset, undone run (any key of the slot when none),
 * reconcile-due zset, summaries hash, summaries version, the undone run's outbox (any key of the slot when none), outbox index.
 * ARGV: run id, run JSON (seq 1), createdAt, key base, the audit tail (cap, archive days, run index ms, count, 5 fields each), then the
 * undone run's id ('' for none), its expected seq, its new seq, its new JSON, its new summary JSON and its outbox JSON ('' for none).
 * Returns `{'created', previousLockValue or ''}`, `{'held', holderJson}` (a rollback holds it),
 * `{'other', holderJson}` (a deploy it does not undo holds it), `{'stale'}` (the undone run changed since
 * it was read: nothing written) or `{'exists'}`.
 */
export const CREATE_ROLLBACK_SCRIPT = luaScript(`
${REDIS_NOW_LUA}if redis.call('EXISTS', KEYS[2]) == 1 then return {'exists'} end
local u = 9 + tonumber(ARGV[8]) * 5
local undone = ARGV[u]
local previous = redis.call('GET', KEYS[1])
if previous then
  local doc = redis.call('HGET', ARGV[4] .. 'run:' .. previous, 'doc')
  if doc then
    if cjson.decode(doc)['kind'] == 'rollback' then return {'held', doc} end
    if previous ~= undone then return {'other', doc} end
  end
end
if undone ~= '' then
  if redis.call('HGET', KEYS[7], 'seq') ~= ARGV[u + 1] then return {'stale'} end
  redis.call('HSET', KEYS[7], 'seq', ARGV[u + 2], 'doc', ARGV[u + 3])
  if redis.call('HEXISTS', KEYS[9], undone) == 1 then
    redis.call('HSET', KEYS[9], undone, ARGV[u + 4])
    redis.call('INCR', KEYS[10])
  end
  ${markRenderDueLua('KEYS[6]', 'undone')}
  ${markReconcileDueLua('KEYS[8]', 'undone')}
  ${keepInOutboxLua('KEYS[11]', 'KEYS[12]', 'ARGV[u + 2]', 'ARGV[u + 5]', 'undone')}
end
${writeNewRunLua('KEYS[8]')}return {'created', previous or ''}
`);

/**
 * Takes a free lock for a person. KEYS: lock, audit stream. ARGV: lock value, key base, then the audit
 * tail (cap, archive days, run index ms, count, 5 fields each). Returns `{'locked'}`, or `{'held', value, holderJson or ''}` changing nothing.
 */
export const MANUAL_LOCK_SCRIPT = luaScript(`
local holder = redis.call('GET', KEYS[1])
if holder then
  local doc = redis.call('HGET', ARGV[2] .. 'run:' .. holder, 'doc')
  return {'held', holder, doc or ''}
end
redis.call('SET', KEYS[1], ARGV[1])
${appendAuditLua('KEYS[2]', '3')}
return {'locked'}
`);

/**
 * Releases a person's lock, never a run's. KEYS: lock, audit stream. ARGV: manual prefix, then the audit
 * tail (cap, archive days, run index ms, count, 5 fields each). Returns `{'unlocked', value}`, `{'none'}` or `{'held', value}` (a run holds it).
 */
export const MANUAL_UNLOCK_SCRIPT = luaScript(`
local holder = redis.call('GET', KEYS[1])
if not holder then return {'none'} end
if string.sub(holder, 1, string.len(ARGV[1])) ~= ARGV[1] then return {'held', holder} end
redis.call('DEL', KEYS[1])
${appendAuditLua('KEYS[2]', '2')}
return {'unlocked', holder}
`);

/**
 * An operator releases a lock whatever holds it (`flightdeck locks release`), except a run still active:
 * that one ends through its transition. Compare-and-delete, so a lock that changed since it was read is left.
 * KEYS: lock, audit stream, active set. ARGV: the value read, then the audit tail (cap, archive days, run index ms, count,
 * 5 fields each). Returns `{'released'}`, `{'changed', value or ''}` or `{'run'}` (an active run holds it).
 */
export const OPERATOR_RELEASE_SCRIPT = luaScript(`
local holder = redis.call('GET', KEYS[1])
if holder ~= ARGV[1] then return {'changed', holder or ''} end
if redis.call('SISMEMBER', KEYS[3], holder) == 1 then return {'run'} end
redis.call('DEL', KEYS[1])
${appendAuditLua('KEYS[2]', '2')}
return {'released'}
`);
