import { luaScript } from './eval-script.js';

/**
 * Claims idempotency keys one after another, each for its own TTL, and stops at the first already taken: a
 * key after it is left as it was, exactly as if each had been claimed by its own SET NX only once the one
 * before it was won. One round trip for what would be one per key.
 *
 * KEYS: the keys, in order. ARGV: each key's TTL in seconds, same order.
 * Returns how many keys were claimed (the leading ones).
 */
export const CLAIM_IN_ORDER_SCRIPT = luaScript(`
for i, key in ipairs(KEYS) do
  if not redis.call('SET', key, '1', 'EX', ARGV[i], 'NX') then return i - 1 end
end
return #KEYS
`);
