import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '../../src/run/store/create-redis.js';
import { readAuditLog } from '../../src/run/store/read-audit-log.js';
import { runKeys } from '../../src/run/store/run-keys.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { startOwnRedisCluster, type OwnRedisCluster } from '../support/own-redis-cluster.js';

const DAY_MS = 86_400_000;

let cluster: OwnRedisCluster;
let redis: RedisClient;

beforeAll(async () => {
  cluster = await startOwnRedisCluster(0);
  redis = createRedis(cluster.url, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  redis?.disconnect();
  await cluster?.destroy();
});

describe('the run store on a real 3-master Redis Cluster (redis+cluster://)', () => {
  it('reads back every audit entry, the day archives included, whichever master holds the prefix', async () => {
    const prefix = `test-cluster-${randomUUID()}`;
    const store = new RunStore(redis, prefix, { auditMaxEntries: 200, auditArchiveDays: 30 });
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    // 600 refusals over three days: the 400 oldest move to two day archives, the older of which only a scan finds.
    for (let i = 0; i < 600; i++) {
      expect(await store.auditOnly({ run: '1', actor: `U${i}`, action: 'action.refused', detail: `click ${i}`, at: today - 2 * DAY_MS + Math.floor((i * 3 * DAY_MS) / 600) })).toBe(true);
    }
    const read: string[] = [];
    for await (const entry of readAuditLog(redis, runKeys(prefix))) read.push(entry.actor);
    expect(read).toEqual(Array.from({ length: 600 }, (_, i) => `U${i}`));
    const tag = `{${prefix}}`;
    const keys = (await cluster.allKeys()).filter((key) => key.key.startsWith(tag));
    // The stream and its day archives (each run's own index, `audit:run-<id>`, lives beside them).
    expect(keys.map((key) => key.key).filter((key) => key.startsWith(`${tag}:audit`) && !key.startsWith(`${tag}:audit:run-`)).sort()).toEqual([`${tag}:audit`, `${tag}:audit:${new Date(today - 2 * DAY_MS).toISOString().slice(0, 10)}`, `${tag}:audit:${new Date(today - DAY_MS).toISOString().slice(0, 10)}`]);
    // Every key of the prefix (the refusal counters too) on the one master serving its slot.
    expect(new Set(keys.map((key) => key.port))).toEqual(new Set([await cluster.masterOf(tag)]));
  });
});
