import { luaScript } from './eval-script.js';

/**
 * Claims idempotency keys one after another, each for its own TTL, and stops at the first already taken: a
 * key after it is left as it was, exactly as if each had been claimed by its own SET NX only once the one
 * before it was won. Once all are won, reads a run's document when asked to (what the claimed work reads
 * first). One round trip for what would be one per key, and the read.
 *
 * KEYS: the keys to claim, in order, then optionally the run to read. ARGV: each claimed key's TTL in seconds, same order.
 * Returns `{claimed}`, or `{claimed, doc}` (doc false when there is no such run) when all were won and a run was named.
 */
export const CLAIM_IN_ORDER_SCRIPT = luaScript(`
local claims = #ARGV
for i = 1, claims do
  if not redis.call('SET', KEYS[i], '1', 'EX', ARGV[i], 'NX') then return {i - 1} end
end
if #KEYS > claims then return {claims, redis.call('HGET', KEYS[claims + 1], 'doc')} end
return {claims}
`);
