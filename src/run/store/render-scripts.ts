import { luaScript } from './eval-script.js';

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

/**
 * Returns 1 when run ARGV[3] is not render-due (KEYS[1]: its message shows it); else adds a job (ARGV[1]) to the
 * run's message waiters (KEYS[2], kept ARGV[2] ms) and returns 0, in one step: a render that shows the run after
 * this finds the job among the waiters, so no wake is lost between the look and the sleep.
 */
export const AWAIT_SHOWN_SCRIPT = luaScript(`
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 1 end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 0
`);

/** Returns the members of the run's sets of waiters (KEYS) and forgets them. */
export const TAKE_WAITERS_SCRIPT = luaScript(`
local waiters = {}
for _, key in ipairs(KEYS) do
  for _, waiter in ipairs(redis.call('SMEMBERS', key)) do table.insert(waiters, waiter) end
  redis.call('DEL', key)
end
return waiters
`);

/** Takes a free lock, or renews it for its holder. KEYS: lock. ARGV: owner, ttl ms. Returns 1 when held. */
export const HOLD_LOCK_SCRIPT = luaScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
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
 * Claims up to ARGV[1] runs whose render is due in the render queue (KEYS[1]) for ARGV[2] ms: each is scored that far
 * on, so no other worker takes it while this one renders (HOLD_RENDER_SCRIPT renews the claim, FINISH_RENDER_SCRIPT
 * ends it; a worker that dies leaves it due again once the claim lapses). Returns {ids, ms each waited past the
 * moment it was due, ms until the earliest run left in the queue is due or -1 when none is}.
 */
export const CLAIM_RENDERS_SCRIPT = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
local ids, waited = {}, {}
for i = 1, #due, 2 do
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), due[i])
  ids[#ids + 1] = due[i]
  waited[#waited + 1] = math.floor(now - tonumber(due[i + 1]))
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local next = -1
if first[2] then next = math.max(0, tonumber(first[2]) - now) end
return {ids, waited, next}
`);

/**
 * Takes the run's free render lock (KEYS[1]), or renews it for its holder ARGV[1], for ARGV[2] ms, and keeps the
 * run's claim in the render queue (KEYS[2]) ARGV[3] ms on (never moving it earlier). ARGV[4]: the run id. Returns 1
 * when the lock is held.
 */
export const HOLD_RENDER_SCRIPT = luaScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local t = redis.call('TIME')
redis.call('ZADD', KEYS[2], 'XX', 'GT', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[3]), ARGV[4])
return 1
`);

/**
 * Ends a render's claim on a run. KEYS: run, render queue, render-due zset, render lock, render-waiting mark. ARGV: run
 * id, lock owner, ms until the render runs again ('' when it is done), the waiting mark to leave for that wait ('' to
 * leave the mark as it is). Gives the lock back if ARGV[2] holds it. With a wait, the run is scored that far on and the
 * mark set, kept 30 s past the wait in case the render comes back late. Done, the mark is dropped and the run leaves the queue unless it is still render-due: a change stored while it rendered, which
 * found the run in the queue and so asked for nothing, is rendered next, at once (then 1 is returned). A run that no
 * longer exists leaves both.
 */
export const FINISH_RENDER_SCRIPT = luaScript(`
if redis.call('GET', KEYS[4]) == ARGV[2] then redis.call('DEL', KEYS[4]) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[3] ~= '' then
  local wait = tonumber(ARGV[3])
  redis.call('ZADD', KEYS[2], now + wait, ARGV[1])
  if ARGV[4] ~= '' then redis.call('SET', KEYS[5], ARGV[4], 'PX', wait + 30000) end
  return 0
end
redis.call('DEL', KEYS[5])
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  redis.call('ZADD', KEYS[2], now, ARGV[1])
  return 1
end
redis.call('ZREM', KEYS[2], ARGV[1])
return 0
`);

/**
 * Asks for a render of run ARGV[1] in the render queue (KEYS[1]): it joins the queue due now unless it is there
 * already; with ARGV[2] = '1' (a message past its lag bound), a run waiting there for a later moment is due now as
 * well. Either wakes the workers (PUBLISH on the queue's name). Returns 1 when the queue changed.
 */
export const ASK_RENDER_SCRIPT = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local changed
if ARGV[2] == '1' then changed = redis.call('ZADD', KEYS[1], 'LT', 'CH', now, ARGV[1]) else changed = redis.call('ZADD', KEYS[1], 'NX', now, ARGV[1]) end
if changed == 1 then redis.call('PUBLISH', KEYS[1], ARGV[1]) end
return changed
`);
