import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import { transition } from '../../src/run/core/transition.js';
import { RunStore } from '../../src/run/store/run-store.js';
import type { StoreLimits } from '../../src/run/store/store-limits-of.js';
import { deleteKeys } from '../support/delete-keys.js';
import { waitUntil } from '../support/wait-until.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const checklist = checklistSchema.parse({ name: 'limits', phases: [{ id: 'go', title: 'Go', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] }] });

let redis: Redis;
let prefix: string;

beforeEach(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  prefix = `test-store-limits-${randomUUID()}`;
});

afterEach(async () => {
  await deleteKeys(redis, `{${prefix}}:*`);
  await redis.quit();
});

const storeWith = (limits: StoreLimits) => new RunStore(redis, prefix, limits);
const refusal = (actor: string, at = T0) => ({ run: '1', actor, action: 'action.refused', detail: 'item.approve.lead: four-eyes', at });

async function endedRun(store: RunStore) {
  const run = createRun(
    {
      id: await store.nextRunId(),
      service: 'api',
      environment: 'production',
      version: 'v2',
      target: { cluster: 'c', namespace: 'shop', deployment: 'api', container: 'api', image: 'r/api:v2' },
      requestedBy: 'U0ALICE',
      channel: 'C1',
      checklist,
    },
    T0,
  );
  const started = transition(run, { type: 'start', actor: 'U0ALICE' }, T0);
  await store.create(started.run, started.audit);
  expect(await redis.pttl(`{${prefix}}:run:${run.id}`)).toBe(-1);
  const ended = await store.update(run.id, (current) => transition(current, { type: 'step-failed', itemId: 'set-image', reason: 'forbidden', outcome: 'error' }, T0 + 1000));
  expect(ended.run.state).toBe('error');
  return ended.run;
}

describe('RunStore limits on real Redis', () => {
  it('caps the audit stream near AUDIT_MAX_ENTRIES, keeping the newest entries', async () => {
    const store = storeWith({ auditMaxEntries: 200 });
    for (let i = 0; i < 1500; i++) await store.auditOnly(refusal(`U${i}`));
    const length = await redis.xlen(`{${prefix}}:audit`);
    // `MAXLEN ~` trims whole stream nodes (100 entries by default), so the stream keeps at most one node more.
    expect(length).toBeGreaterThanOrEqual(200);
    expect(length).toBeLessThanOrEqual(300);
    expect((await store.audit(undefined, 1))[0]!.actor).toBe('U1499');
  });

  it('lets an ended run expire after the retention while history keeps its summary', async () => {
    const store = storeWith({ runRetentionMs: 60_000 });
    const run = await endedRun(store);
    const ttl = await redis.pttl(`{${prefix}}:run:${run.id}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    const brief = storeWith({ runRetentionMs: 20 });
    const gone = await endedRun(brief);
    await waitUntil('the run document to expire', async () => ((await redis.exists(`{${prefix}}:run:${gone.id}`)) === 0 ? true : undefined));
    expect(await brief.get(gone.id)).toBeNull();
    expect(await brief.history('api', 'production', 10)).toEqual([expect.objectContaining({ id: run.id })]);
    expect(await brief.historySummaries('api', 'production', 10)).toEqual([
      { id: gone.id, kind: 'deploy', service: 'api', environment: 'production', version: 'v2', state: 'error', requestedBy: 'U0ALICE', createdAt: T0, endedAt: T0 + 1000, reason: 'forbidden', keys: { changedCluster: true } },
      expect.objectContaining({ id: run.id, state: 'error' }),
    ]);
    // The four keys still count the run whose document expired, from its summary.
    expect(await brief.fourKeysRunsSince('api', 'production', T0, 10)).toEqual([
      { id: gone.id, kind: 'deploy', state: 'error', createdAt: T0, endedAt: T0 + 1000, changedCluster: true },
      expect.objectContaining({ id: run.id, state: 'error', changedCluster: true }),
    ]);
  });

  it('records at most AUDIT_REFUSALS_PER_MINUTE refusals per person and minute, even clicked at once', async () => {
    const store = storeWith({ refusalsPerMinute: 3 });
    const appended = await Promise.all(Array.from({ length: 40 }, (_, i) => store.auditOnly(refusal('U0SPAM', T0 + i))));
    expect(appended.filter(Boolean)).toHaveLength(3);
    expect(await store.auditOnly(refusal('U0OTHER'))).toBe(true);
    expect(await store.auditOnly(refusal('U0SPAM', T0 + 60_000))).toBe(true);
    const audit = await store.audit();
    expect(audit.map((entry) => entry.actor)).toEqual(['U0SPAM', 'U0SPAM', 'U0SPAM', 'U0OTHER', 'U0SPAM']);
  });
});
