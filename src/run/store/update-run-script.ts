import { appendAuditLua } from './append-audit-lua.js';
import { luaScript } from './eval-script.js';
import { markReconcileDueLua } from './mark-reconcile-due-lua.js';
import { markRenderDueLua } from './mark-render-due-lua.js';
import { keepInOutboxLua } from './outbox-index.js';
import { REDIS_NOW_LUA } from './redis-now-lua.js';

/**
 * The compare-and-set write of a run: stores the new document only if the stored seq is still the one the
 * change was computed from, appends its audit entries in the same step, and on a terminal state releases
 * the lock (only if it still names this run) and leaves the active set; the document then expires after the
 * retention (every later write, a follow-up tick, starts it again) while its one-line summary stays in the
 * summaries hash, so history outlives the documents at a few hundred bytes a run. A write of a run that had
 * ended already (ARGV[4] = '2': its summary posted, a follow-up) has no lock or active set to leave, and the
 * summaries' version moves only when a summary changes, so `/metrics` reads the four keys again only then.
 *
 * Every write also marks the run render-due, so its final state reaches Slack even if the writer dies
 * before enqueueing the render, and, while the run is active, reconcile-due, so the effects a dead writer
 * never enqueued are asked for again; an ending leaves that index (the render-due loop owes what remains).
 *
 * A change the message does not show (ARGV[8] = '1', see shows-change.ts) marks nothing due when the message
 * shows the seq it was made from: the message then shows the new seq as well, recorded as `rendered`, and
 * the digest of what it shows (`shown`, see RAISE_SEQ_SCRIPT) is carried to the new seq.
 *
 * The jobs of the write that nothing else would ask for again (thread replies, alerts: ARGV[9], '' for none) are
 * kept in the run's outbox under the new seq until the writer has enqueued them (outbox-index.ts).
 *
 * KEYS: run, audit stream, lock, active set, render-due zset, summaries hash, reconcile-due zset, summaries version,
 * outbox, outbox index.
 * ARGV: expected seq, new seq, new JSON, terminal ('1' ends now, '2' ended before, '0'), run id, retention ms, summary JSON, unseen
 * ('1'/'0'), outbox JSON, then the audit tail (cap, archive days, run index ms, count, 5 fields each).
 * Returns 1 when written, 2 when written and the message shows it already, 0 on a seq mismatch, -1 when the
 * run does not exist.
 */
export const UPDATE_RUN_SCRIPT = luaScript(`
${REDIS_NOW_LUA}local seq = redis.call('HGET', KEYS[1], 'seq')
if not seq then return -1 end
if seq ~= ARGV[1] then return 0 end
local current = 0
if ARGV[8] == '1' and tonumber(redis.call('HGET', KEYS[1], 'rendered') or '0') == tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'doc', ARGV[3], 'rendered', ARGV[2])
  -- What the message shows is unchanged, so the digest of it recorded for the old seq holds for the new one.
  local shown = redis.call('HGET', KEYS[1], 'shown')
  local prefix = ARGV[1] .. ':'
  if shown and string.sub(shown, 1, #prefix) == prefix then
    redis.call('HSET', KEYS[1], 'shown', ARGV[2] .. ':' .. string.sub(shown, #prefix + 1))
  end
  current = 1
else
  redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'doc', ARGV[3])
  ${markRenderDueLua('KEYS[5]', 'ARGV[5]')}
end
${appendAuditLua('KEYS[2]', '10')}
${keepInOutboxLua('KEYS[9]', 'KEYS[10]', 'ARGV[2]', 'ARGV[9]', 'ARGV[5]')}
if ARGV[4] ~= '0' then
  if ARGV[4] == '1' then
    if redis.call('GET', KEYS[3]) == ARGV[5] then redis.call('DEL', KEYS[3]) end
    redis.call('SREM', KEYS[4], ARGV[5])
    redis.call('ZREM', KEYS[7], ARGV[5])
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  if redis.call('HGET', KEYS[6], ARGV[5]) ~= ARGV[7] then
    redis.call('HSET', KEYS[6], ARGV[5], ARGV[7])
    redis.call('INCR', KEYS[8])
  end
else
  ${markReconcileDueLua('KEYS[7]', 'ARGV[5]')}
end
return 1 + current
`);
