import { luaScript } from './eval-script.js';
import { markRenderDueLua } from './mark-render-due-lua.js';
import { REDIS_NOW_LUA } from './redis-now-lua.js';

/**
 * Records that the run's message shows seq ARGV[1]: the `rendered` field beside the run's `seq` is
 * raised, never lowered by a render that held its lock throughout (a slow render of an older seq finishing
 * late must not move it backwards). Once it reaches `seq` the run leaves the render-due index; otherwise
 * the changes still to show were made after the render read the run, so their age counts from that read
 * (ARGV[3], Redis ms).
 *
 * The `shown` field beside them is `<seq>:<digest>`: the seq this write showed (ARGV[1]) and the digest of what
 * it sent (ARGV[5], RunNotifier.shownDigest), kept so that a later render whose digest is the same makes no
 * Slack edit; written by every write, since it is what Slack shows now, and dropped when ARGV[5] is empty (what
 * the message shows is not known). It counts only while its seq is `rendered` (see RenderIndex.readForRender):
 * anything else that moves `rendered` without writing it (a flightdeck from before this field, during a rolling
 * upgrade) leaves it for what it is, the digest of an older write.
 *
 * The render lock (KEYS[3]) must still name this render (ARGV[4]). If it lapsed, another render may have
 * written in between and this write, landing after it, may have put an older state back: the message is
 * then only known to show ARGV[1], so `rendered` is lowered to it, its digest is dropped, the run is marked
 * render-due if that is behind, and -1 is returned so the caller renders again.
 * KEYS: run, render-due zset, render lock. ARGV: seq, run id, read time, lock owner, digest shown. Returns the stored seq.
 */
export const RAISE_SEQ_SCRIPT = luaScript(`
${REDIS_NOW_LUA}if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 0
end
local current = tonumber(redis.call('HGET', KEYS[1], 'rendered') or '0')
local given = tonumber(ARGV[1])
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if redis.call('GET', KEYS[3]) ~= ARGV[4] then
  redis.call('HDEL', KEYS[1], 'shown')
  if given < current then redis.call('HSET', KEYS[1], 'rendered', ARGV[1]) end
  if math.min(given, current) < seq then
    ${markRenderDueLua('KEYS[2]', 'ARGV[2]')}
  end
  return -1
end
if ARGV[5] == '' then
  redis.call('HDEL', KEYS[1], 'shown')
else
  redis.call('HSET', KEYS[1], 'shown', ARGV[1] .. ':' .. ARGV[5])
end
if given > current then
  redis.call('HSET', KEYS[1], 'rendered', ARGV[1])
  current = given
end
if current >= seq then
  redis.call('ZREM', KEYS[2], ARGV[2])
else
  redis.call('ZADD', KEYS[2], 'XX', 'GT', ARGV[3], ARGV[2])
end
return current
`);
