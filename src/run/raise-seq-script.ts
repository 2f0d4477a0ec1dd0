import { luaScript } from './eval-script.js';

/**
 * Sets a counter to max(stored, given): the notifier records the seq it rendered, and a slow render of an
 * older seq finishing late must not move it backwards. KEYS: counter. ARGV: seq. Returns the stored max.
 */
export const RAISE_SEQ_SCRIPT = luaScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local given = tonumber(ARGV[1])
if given > current then
  redis.call('SET', KEYS[1], ARGV[1])
  return given
end
return current
`);
