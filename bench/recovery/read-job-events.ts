import type { Redis } from 'ioredis';

/** When BullMQ's event stream first reported each job as stalled (moved back to wait) and active (taken), at or after `since`. */
export interface JobEventTimes {
  stalled: Map<string, number>;
  active: Map<string, number>;
}

/**
 * Reads a queue's event stream (`<queue prefix>:<queue>:events`) from `since` (epoch ms). Stream ids are the
 * Redis server's clock in ms, the same host clock the bench stamps the kill with.
 */
export async function readJobEvents(redis: Redis, streamKey: string, since: number): Promise<JobEventTimes> {
  const times: JobEventTimes = { stalled: new Map(), active: new Map() };
  const entries = await redis.xrange(streamKey, String(since), '+');
  for (const [id, fields] of entries) {
    const field = (name: string) => fields[fields.indexOf(name) + 1];
    const event = field('event');
    const jobId = field('jobId');
    if (jobId === undefined || (event !== 'stalled' && event !== 'active')) continue;
    const at = Number(id.split('-')[0]);
    const seen = times[event];
    if (!seen.has(jobId)) seen.set(jobId, at);
  }
  return times;
}
