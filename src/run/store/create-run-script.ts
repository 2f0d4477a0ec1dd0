import { luaScript } from './eval-script.js';
import { writeNewRunLua } from './write-new-run-lua.js';
import { REDIS_NOW_LUA } from './redis-now-lua.js';

/**
 * Creates a run and takes its service+environment lock atomically, so two `/deploy`s racing for the same
 * target can never both start.
 *
 * KEYS: lock, run, active set, history zset, audit stream, render-due set, reconcile-due set.
 * ARGV: run id, run JSON (seq 1), createdAt, key base (`{prefix}:`), then the audit tail (cap, archive days, run index ms, count, 5 fields each).
 * Returns `{'created'}`, `{'held', holderJson}`, `{'held-unknown', lockValue}` or `{'exists'}`.
 */
export const CREATE_RUN_SCRIPT = luaScript(`
${REDIS_NOW_LUA}local holder = redis.call('GET', KEYS[1])
if holder then
  local doc = redis.call('HGET', ARGV[4] .. 'run:' .. holder, 'doc')
  if doc then return {'held', doc} end
  return {'held-unknown', holder}
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'exists'} end
${writeNewRunLua('KEYS[7]')}return {'created'}
`);
