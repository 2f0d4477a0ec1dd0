import { luaScript } from './eval-script.js';

/** Takes a free lock, or renews it for its holder. KEYS: lock. ARGV: owner, ttl ms. Returns 1 when held. */
/**
 * Adds a job (ARGV[1]) to the run's message waiters (KEYS[2], kept ARGV[2] ms) and returns the seq its message
 * shows (KEYS[1]'s `rendered`), in one step: a render that records a first seq after this finds the job among
 * the waiters, and one before it shows here, so no wake is lost between the look and the sleep.
 */
export const AWAIT_MESSAGE_SCRIPT = luaScript(`
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return tonumber(redis.call('HGET', KEYS[1], 'rendered') or '0')
`);

/** Returns the run's message waiters (KEYS[1]) and forgets them. */
export const TAKE_WAITERS_SCRIPT = luaScript(`
local waiters = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return waiters
`);

export const HOLD_LOCK_SCRIPT = luaScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/** Deletes a lock only if its holder is ARGV[1]. KEYS: lock. */
export const RELEASE_LOCK_SCRIPT = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** Moves every member of the legacy render-due set into the scored index at Redis's now. KEYS: set, zset. */
export const ADOPT_LEGACY_RENDER_DUE_SCRIPT = luaScript(`
if redis.call('TYPE', KEYS[1])['ok'] ~= 'set' then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('SMEMBERS', KEYS[1])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[2], 'NX', now, id) end
redis.call('DEL', KEYS[1])
return #ids
`);

/**
 * How many runs have been render-due for longer than ARGV[1] ms, and how long the oldest has: O(log n)
 * whatever the index holds. KEYS: render-due zset. Returns {stale, oldestMs}.
 */
export const MESSAGE_LAG_SCRIPT = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stale = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[1])))
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local lag = 0
if oldest[2] then lag = math.max(0, now - tonumber(oldest[2])) end
return {stale, lag}
`);
