/**
 * Lua that marks a run render-due unless it already is: the score is the Redis time of the first change
 * not yet shown, so how long a message has been behind its run is `now - score` whatever process asks.
 * `key` and `id` are Lua expressions (a KEYS or ARGV slot).
 */
export function markRenderDueLua(key: string, id: string): string {
  return `local due_at = redis.call('TIME')
redis.call('ZADD', ${key}, 'NX', tonumber(due_at[1]) * 1000 + math.floor(tonumber(due_at[2]) / 1000), ${id})`;
}
