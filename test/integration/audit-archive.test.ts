import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/run/store/run-store.js';
import type { StoreLimits } from '../../src/run/store/store-limits-of.js';
import { deleteKeys } from '../support/delete-keys.js';

const DAY_MS = 86_400_000;

let redis: Redis;
let prefix: string;
/** Midnight UTC of Redis's today: archives are kept or dropped by Redis's clock, so entries are dated from it. */
let today: number;

beforeEach(async () => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  prefix = `test-audit-archive-${randomUUID()}`;
  const [seconds] = await redis.time();
  today = Math.floor((Number(seconds) * 1000) / DAY_MS) * DAY_MS;
});

afterEach(async () => {
  await deleteKeys(redis, `{${prefix}}:*`);
  await redis.quit();
});

const storeWith = (limits: StoreLimits) => new RunStore(redis, prefix, limits);
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Appends `count` refusals by distinct people (so none is rate limited), dated evenly from `from` over `spanMs`. */
async function appendRefusals(store: RunStore, count: number, from: number, spanMs: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const recorded = await store.auditOnly({ run: '1', actor: `U${i}`, action: 'action.refused', detail: `click ${i}`, at: from + Math.floor((i * spanMs) / count) });
    expect(recorded).toBe(true);
  }
}

async function archiveKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    // The day archives only: each run's own index (`audit:run-<id>`) lives beside them.
    const [next, found] = await redis.scan(cursor, 'MATCH', `{${prefix}}:audit:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]`, 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

const fieldsOf = (fields: string[]) => Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]]));

describe('audit archive on real Redis', () => {
  it('moves entries trimmed from the stream to per-day archives by their own date, losing and doubling none', async () => {
    const store = storeWith({ auditMaxEntries: 200, auditArchiveDays: 30 });
    await appendRefusals(store, 600, today - 2 * DAY_MS, 3 * DAY_MS);

    const live = await redis.xrange(`{${prefix}}:audit`, '-', '+');
    // Moved a batch (one stream node) at a time once the stream is 100 over its cap, as `MAXLEN ~` trimmed:
    // at the 300th, 400th, 500th and 600th entry, 100 each.
    expect(live).toHaveLength(200);
    const keys = await archiveKeys();
    // The 400 oldest are those of the first two days.
    expect(keys).toEqual([`{${prefix}}:audit:${dateOf(today - 2 * DAY_MS)}`, `{${prefix}}:audit:${dateOf(today - DAY_MS)}`]);
    const archived: [string, string[]][] = [];
    for (const key of keys) {
      const entries = await redis.xrange(key, '-', '+');
      for (const [, fields] of entries) expect(dateOf(Number(fieldsOf(fields).at))).toBe(key.slice(-10));
      expect(entries).toHaveLength(200);
      archived.push(...entries);
      const day = Date.parse(`${key.slice(-10)}T00:00:00Z`);
      expect(await redis.call('PEXPIRETIME', key)).toBe(day + 31 * DAY_MS);
    }
    // Every click once, in the order written: the archives hold the oldest, under the ids the stream gave them.
    expect([...archived, ...live].map(([, fields]) => fieldsOf(fields).actor)).toEqual(Array.from({ length: 600 }, (_, i) => `U${i}`));
    expect(archived.at(-1)![0] < live[0]![0]).toBe(true);
  });

  it('drops trimmed entries whose day is already past the retention instead of archiving them', async () => {
    const store = storeWith({ auditMaxEntries: 200, auditArchiveDays: 1 });
    await appendRefusals(store, 150, today - 10 * DAY_MS, 1000);
    await appendRefusals(store, 250, today, 1000);
    // Trimmed at the 300th entry (100 old ones) and the 400th (the other 50 old ones and 50 of today's).
    const todayKey = `{${prefix}}:audit:${dateOf(today)}`;
    expect(await archiveKeys()).toEqual([todayKey]);
    const archived = (await redis.xrange(todayKey, '-', '+')).map(([, fields]) => fieldsOf(fields).actor);
    const live = (await redis.xrange(`{${prefix}}:audit`, '-', '+')).map(([, fields]) => fieldsOf(fields).actor);
    expect(archived).toEqual(Array.from({ length: 50 }, (_, i) => `U${i}`));
    expect(live).toEqual(Array.from({ length: 200 }, (_, i) => `U${i + 50}`));
  });

  it('caps each day archive near AUDIT_MAX_ENTRIES, so a day of floods cannot grow it without bound', async () => {
    const store = storeWith({ auditMaxEntries: 200, auditArchiveDays: 30 });
    await appendRefusals(store, 1000, today, 1000);
    const archived = (await redis.xrange(`{${prefix}}:audit:${dateOf(today)}`, '-', '+')).map(([, fields]) => fieldsOf(fields).actor);
    // 800 were moved; the day keeps its newest, within one stream node of the cap.
    expect(archived.length).toBeGreaterThanOrEqual(200);
    expect(archived.length).toBeLessThan(300);
    expect(archived.at(-1)).toBe('U799');
  });

  it('drops trimmed entries when AUDIT_ARCHIVE_DAYS is 0', async () => {
    const store = storeWith({ auditMaxEntries: 200, auditArchiveDays: 0 });
    await appendRefusals(store, 400, today, 1000);
    expect(await archiveKeys()).toEqual([]);
    expect(await redis.xlen(`{${prefix}}:audit`)).toBeLessThan(300);
    expect((await store.audit(undefined, 1))[0]!.actor).toBe('U399');
  });
});
