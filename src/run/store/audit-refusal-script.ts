import { appendAuditLua } from './append-audit-lua.js';
import { luaScript } from './eval-script.js';

/**
 * Appends an entry that goes with no change of a run (a refusal) unless its actor already added `limit`
 * such entries this minute: counting and appending happen in one script, so concurrent clicks cannot
 * slip past the limit. The counter outlives its minute by one, then expires.
 *
 * KEYS: the actor's counter for this minute, audit stream. ARGV: limit, then the audit tail (cap, archive days, run index ms, count 1, 5 fields).
 * Returns 1 when appended, 0 when the limit was reached.
 */
export const AUDIT_REFUSAL_SCRIPT = luaScript(`
local seen = redis.call('INCR', KEYS[1])
if seen == 1 then redis.call('PEXPIRE', KEYS[1], 120000) end
if seen > tonumber(ARGV[1]) then return 0 end
${appendAuditLua('KEYS[2]', '2')}return 1
`);
