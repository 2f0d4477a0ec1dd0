/**
 * Lua that makes a run due for the reconciler at the Redis time of the write, or leaves it where it is when
 * it is due sooner (ZADD LT): a run written over and over is still reconciled, however often it is written.
 * Runs in the same script as every write of an active run, so no write can leave a run out of the index.
 * `key` and `id` are Lua expressions (a KEYS or ARGV slot); the script opens with REDIS_NOW_LUA.
 */
export function markReconcileDueLua(key: string, id: string): string {
  return `redis.call('ZADD', ${key}, 'LT', redis_now_ms(), ${id})`;
}
