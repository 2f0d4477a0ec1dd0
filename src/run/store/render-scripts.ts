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

/**
 * Whether a render job of a run is worth queueing. KEYS: render-waiting, render-queued, render-lock, render-due
 * index. ARGV: the id of the job to mark queued ('' to only look), the mark's ttl ms, the run's id, the message
 * lag bound ms. 0 while a render sleeps for a turn ahead of the line, or in the line while the run's oldest
 * change not shown is within the lag bound, or a marked job is queued and has not read the run: each reads it
 * after this change. Past the bound, a job is wanted to go ahead of the line in place of the one waiting in it
 * (process-render.ts). Else 1, once the mark is taken when asked for (NX: of two asking at once, one queues).
 * Only looking, also 0 while a render holds the run's lock: that look asks again for work it will ask for at its
 * next pass if still owed.
 */
export const RENDER_WANTED_SCRIPT = luaScript(`
local waiting = redis.call('GET', KEYS[1])
if waiting and string.sub(waiting, 1, 6) == 'ahead:' then return 0 end
if waiting then
  local since = redis.call('ZSCORE', KEYS[4], ARGV[3])
  if not since then return 0 end
  local t = redis.call('TIME')
  if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(since) <= tonumber(ARGV[4]) then return 0 end
end
if ARGV[1] == '' then return 1 - math.min(1, redis.call('EXISTS', KEYS[2], KEYS[3])) end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`);

/**
 * What a render job gives up just before it reads the run. KEYS: render-waiting, render-queued. ARGV: job id,
 * '1' for a late render. Its hand-off mark from waiting for a turn (`<job>` or `ahead:<job>`); the queued mark
 * when it names the job, or whatever it names for a late render, which reads the run too and so frees a mark
 * whose job was lost. Whoever frees the queued mark reads the run after it, so no change skipped for it is lost.
 */
export const RELEASE_RENDER_MARKS_SCRIPT = luaScript(`
local waiting = redis.call('GET', KEYS[1])
if waiting == ARGV[1] or waiting == 'ahead:' .. ARGV[1] then redis.call('DEL', KEYS[1]) end
if ARGV[2] == '1' or redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 0
`);
