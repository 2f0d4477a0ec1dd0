import type { RedisClient } from './create-redis.js';
import { evalScript, luaScript } from './eval-script.js';
import type { RunKeys } from './run-keys.js';

/** How long a run's outbox outlives its last entry: far longer than any writer or reconcile pass takes. */
const OUTBOX_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Lua for the script of a run's write: keeps `payload` (the jobs the write asks for that nothing else would
 * ask for again, see notify-jobs-of.ts) under the new seq until its writer has enqueued them, and marks the run
 * in the outbox index at the Redis time of the write unless it is there already. Nothing when `payload` is ''.
 * Every argument is a Lua expression (a KEYS or ARGV slot); the script opens with REDIS_NOW_LUA.
 */
export function keepInOutboxLua(outboxKey: string, dueKey: string, seq: string, payload: string, id: string): string {
  return `if ${payload} ~= '' then
  redis.call('HSET', ${outboxKey}, ${seq}, ${payload})
  redis.call('PEXPIRE', ${outboxKey}, ${OUTBOX_TTL_MS})
  redis.call('ZADD', ${dueKey}, 'NX', redis_now_ms(), ${id})
end`;
}

/** KEYS: outbox, outbox index. ARGV: run id, seq. Drops the seq's entry; a run left with none leaves the index. */
const SETTLE_SCRIPT = luaScript(`
redis.call('HDEL', KEYS[1], ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[1]) end
return 1
`);

/** KEYS: outbox index. ARGV: age ms, limit. The runs marked at least `age` ago by Redis's clock, oldest first. */
const DUE_SCRIPT = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[2]))
`);

/** One write's jobs its writer may not have enqueued. */
export interface OutboxEntry {
  runId: string;
  seq: number;
  /** The JSON the write kept, as the engine gave it. */
  payload: string;
}

/**
 * The jobs runs' writes committed and their writers have not enqueued yet: kept by the write's own script,
 * dropped by the writer once it has enqueued them, and found by the reconciler when the writer died between.
 */
export class OutboxIndex {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RunKeys,
  ) {}

  /** The writer of the run's `seq` has enqueued its jobs. */
  async settle(runId: string, seq: number): Promise<void> {
    await evalScript(this.redis, SETTLE_SCRIPT, [this.keys.outbox(runId), this.keys.outboxDue], [runId, seq]);
  }

  /** The entries of runs marked at least `ageMs` ago (up to `limit` runs), their own seqs' entries lowest first. */
  async due(ageMs: number, limit: number): Promise<OutboxEntry[]> {
    const ids = (await evalScript(this.redis, DUE_SCRIPT, [this.keys.outboxDue], [ageMs, limit])) as string[];
    const entries: OutboxEntry[] = [];
    for (const runId of ids) {
      const kept = await this.entriesOf(runId);
      // Atomically, as a writer may keep a new entry meanwhile (its mark then stays, being there already).
      if (kept.length === 0) await this.settle(runId, -1);
      entries.push(...kept);
    }
    return entries;
  }

  /** The run's entries: the writes whose jobs are committed and not enqueued yet, lowest seq first. */
  async entriesOf(runId: string): Promise<OutboxEntry[]> {
    const kept = await this.redis.hgetall(this.keys.outbox(runId));
    return Object.keys(kept)
      .map(Number)
      .sort((a, b) => a - b)
      .map((seq) => ({ runId, seq, payload: kept[String(seq)]! }));
  }
}
