/**
 * The render queue that goes with a render-due index: runs whose render may run, each scored by when (Redis ms).
 * Named after the index so every script that marks a run due reaches it in the index's slot (the braced prefix).
 */
export const renderQueueOf = (renderDueKey: string) => `${renderDueKey}:queue`;

/**
 * Lua that marks a run render-due unless it already is: the score is the Redis time of the first change
 * not yet shown, so how long a message has been behind its run is `now - score` whatever process asks. The run
 * also joins the render queue at once unless it is there already (its render is under way, or waits for a turn
 * and reads the run then), and a run that joins it is published on the queue's name, which wakes the workers:
 * the write itself asks for its render, so no process can die between the two.
 * `key` and `id` are Lua expressions (a KEYS or ARGV slot); the script opens with REDIS_NOW_LUA.
 */
export function markRenderDueLua(key: string, id: string): string {
  return `local due_at = redis_now_ms()
redis.call('ZADD', ${key}, 'NX', due_at, ${id})
if redis.call('ZADD', ${key} .. ':queue', 'NX', due_at, ${id}) == 1 then redis.call('PUBLISH', ${key} .. ':queue', ${id}) end`;
}
