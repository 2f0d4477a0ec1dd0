import { luaScript } from './eval-script.js';

/**
 * After the reconciler handled a run: re-scores it to ARGV[3] (Redis ms), or drops it from the index when
 * ARGV[3] is '', but only if the run is still at the seq it handled (ARGV[2]). A write in between has
 * scored it no later than itself, so it stays due and the next pass sees that write; a run gone from
 * storage leaves the index. KEYS: run, reconcile-due zset. ARGV: run id, seq, next time or ''.
 * Returns 1 when settled, 0 when left due.
 */
export const SETTLE_RECONCILE_SCRIPT = luaScript(`
local seq = redis.call('HGET', KEYS[1], 'seq')
if not seq then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
if seq ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('ZREM', KEYS[2], ARGV[1]) else redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[1]) end
return 1
`);

/**
 * Makes every active run the index does not hold due at once (score 0): runs written by a flightdeck that
 * kept no index, or by one during a rolling upgrade. Idempotent (ZADD NX). KEYS: active set, reconcile-due
 * zset. Returns how many joined.
 */
export const ADOPT_ACTIVE_SCRIPT = luaScript(`
local added = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do added = added + redis.call('ZADD', KEYS[2], 'NX', 0, id) end
return added
`);

/**
 * Redis's clock (ms) and up to ARGV[1] runs due by then, soonest first. KEYS: reconcile-due zset.
 * Returns {now, id, id, …}.
 */
export const DUE_RECONCILES_SCRIPT = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
table.insert(due, 1, tostring(now))
return due
`);
