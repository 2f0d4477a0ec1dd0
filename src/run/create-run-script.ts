import { luaScript } from './eval-script.js';

/**
 * Creates a run and takes its service+environment lock atomically, so two `/deploy`s racing for the same
 * target can never both start.
 *
 * KEYS: lock, run, active set, history zset, audit stream, render-due set.
 * ARGV: run id, run JSON (seq 1), createdAt, key base (`{prefix}:`), then the audit tail (count, 5 fields each).
 * Returns `{'created'}`, `{'held', holderJson}`, `{'held-unknown', lockValue}` or `{'exists'}`.
 */
export const CREATE_RUN_SCRIPT = luaScript(`
local holder = redis.call('GET', KEYS[1])
if holder then
  local doc = redis.call('HGET', ARGV[4] .. 'run:' .. holder, 'doc')
  if doc then return {'held', doc} end
  return {'held-unknown', holder}
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'exists'} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'seq', 1, 'doc', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[6], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
local n = tonumber(ARGV[5])
for i = 0, n - 1 do
  local o = 6 + i * 5
  redis.call('XADD', KEYS[5], '*', 'run', ARGV[o], 'actor', ARGV[o + 1], 'action', ARGV[o + 2], 'detail', ARGV[o + 3], 'at', ARGV[o + 4])
end
return {'created'}
`);
