import type { RedisClient } from './create-redis.js';
import { fourKeysRunOf, type FourKeysRun } from '../core/four-keys.js';
import type { Run } from '../core/run-schema.js';
import { parseRun } from './parse-run.js';
import type { RunKeys } from './run-keys.js';
import { fourKeysRunOfSummary, runSummarySchema, summarizeRun, type RunSummary } from './run-summary.js';

/** The stored runs of `ids` in one round trip, in that order; an id whose document is gone is skipped. */
export async function readRuns(redis: RedisClient, keys: RunKeys, ids: readonly string[]): Promise<Run[]> {
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hget(keys.run(id), 'doc');
  const replies = (await pipeline.exec()) ?? [];
  const runs: Run[] = [];
  for (const [err, doc] of replies) {
    if (err) throw err;
    // A run listed in an index but gone from storage (deleted by hand) is skipped, not fatal.
    if (typeof doc === 'string') runs.push(parseRun(doc));
  }
  return runs;
}

/**
 * What the four keys read of the runs of a service+environment created at or after `since` (epoch ms), newest
 * first, at most `limit`: from their summaries (a few hundred bytes each), and from the documents of runs still
 * in flight or summarized by an older release.
 */
export async function readFourKeysRuns(redis: RedisClient, keys: RunKeys, service: string, environment: string, since: number, limit: number): Promise<FourKeysRun[]> {
  const ids = await redis.zrevrangebyscore(keys.history(service, environment), '+inf', since, 'LIMIT', 0, limit);
  if (ids.length === 0) return [];
  const stored = (await redis.hmget(keys.summaries, ...ids)).map((text) => (text == null ? undefined : fourKeysRunOfSummary(runSummarySchema.parse(JSON.parse(text)))));
  const missing = ids.filter((_, i) => stored[i] === undefined);
  const read = new Map((await readRuns(redis, keys, missing)).map((run) => [run.id, fourKeysRunOf(run)]));
  return ids.flatMap((id, i) => {
    const facts = stored[i] ?? read.get(id);
    return facts ? [facts] : [];
  });
}

/**
 * The latest `limit` runs of a service+environment, newest first, as summaries: ended runs stay here after their
 * documents expired (RUN_RETENTION_DAYS); active runs are summarized from their documents.
 */
export async function readHistorySummaries(redis: RedisClient, keys: RunKeys, service: string, environment: string, limit: number): Promise<RunSummary[]> {
  if (limit <= 0) return [];
  const ids = await redis.zrevrange(keys.history(service, environment), 0, limit - 1);
  if (ids.length === 0) return [];
  const stored = await redis.hmget(keys.summaries, ...ids);
  const missing = ids.filter((_, i) => stored[i] == null);
  const live = new Map((await readRuns(redis, keys, missing)).map((run) => [run.id, summarizeRun(run)]));
  return ids.flatMap((id, i) => {
    const text = stored[i];
    const summary = text == null ? live.get(id) : runSummarySchema.parse(JSON.parse(text));
    return summary ? [summary] : [];
  });
}
