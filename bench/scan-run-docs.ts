import type { Redis } from 'ioredis';

/** Every stored run document under `prefix` as raw JSON (SCAN for `{prefix}:run:*`, then pipelined HGETs of `doc`). */
export async function scanRunDocs(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `{${prefix}}:run:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const docs: string[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const pipeline = redis.pipeline();
    for (const key of keys.slice(i, i + 500)) pipeline.hget(key, 'doc');
    for (const [err, doc] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      if (typeof doc === 'string') docs.push(doc);
    }
  }
  return docs;
}
