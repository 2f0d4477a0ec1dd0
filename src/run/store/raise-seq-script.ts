import { luaScript } from './eval-script.js';

/**
 * Sets a counter to max(stored, given): the notifier records the seq it rendered, and a slow render of an
 * older seq finishing late must not move it backwards. Once the counter reaches the run's seq the run
 * leaves the render-due set. KEYS: counter, run, render-due set. ARGV: seq, run id. Returns the stored max.
 */
export const RAISE_SEQ_SCRIPT = luaScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local given = tonumber(ARGV[1])
if given > current then
  redis.call('SET', KEYS[1], ARGV[1])
  current = given
end
local seq = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
if current >= seq then redis.call('SREM', KEYS[3], ARGV[2]) end
return current
`);
