/**
 * Lua that defines `redis_now_ms()`, Redis's clock in ms, read once per script however many of its parts ask: a
 * run's write marks it render-due, reconcile-due and in the outbox, each at the time of the write, and every
 * `TIME` is one more command for the run. It must open every script whose parts call it (the mark-*-due and
 * outbox helpers): a local defined in a branch would not reach the parts after it.
 */
export const REDIS_NOW_LUA = `local redis_now
local function redis_now_ms()
  if not redis_now then
    local t = redis.call('TIME')
    redis_now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return redis_now
end
`;
