import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import { RUN_SCHEMA_VERSION } from '../../src/run/core/run-schema.js';
import { transition } from '../../src/run/core/transition.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { runUid } from '../../src/run/store/run-uid.js';
import { deleteKeys } from '../support/delete-keys.js';

// A run as flightdeck with run schema 2 stored it (test/fixtures/run-documents/README.md).
const V2_DOC = readFileSync(join(import.meta.dirname, '../fixtures/run-documents/v2-production-paused.json'), 'utf8');
const checklist = checklistSchema.parse({ name: 'one', phases: [{ id: 'go', title: 'Go', items: [{ id: 'check', kind: 'manual', title: 'Looks good' }] }] });
const target = { cluster: 'emu', namespace: 'shop', deployment: 'api', container: 'api', image: 'reg/api:2' };

let redis: Redis;
let prefix: string;

beforeEach(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  prefix = `test-run-upgrade-${randomUUID()}`;
});

afterEach(async () => {
  await deleteKeys(redis, `{${prefix}}:*`);
  await redis.quit();
});

const storedDoc = async (id: string) => JSON.parse((await redis.hget(`{${prefix}}:run:${id}`, 'doc'))!) as Record<string, unknown>;

async function newRun(store: RunStore, service: string, now: number) {
  const run = createRun({ id: await store.nextRunId(), service, environment: 'production', version: '2', target, requestedBy: 'U1', channel: 'C1', checklist }, now);
  const created = await store.create(run, []);
  if (!created.created) throw new Error('not created');
  return created.run;
}

describe('runs across a run schema upgrade', () => {
  it('a run an older flightdeck stored is read, changed and written back at its own version, so older pods still read it', async () => {
    const store = new RunStore(redis, prefix);
    await redis.hset(`{${prefix}}:run:1`, 'seq', 7, 'doc', V2_DOC);
    const read = await store.get('1');
    expect(read).toMatchObject({ schemaVersion: RUN_SCHEMA_VERSION, id: '1', state: 'paused', seq: 7 });
    expect(read?.uid).toBeUndefined();

    const resumed = await store.update('1', (run) => transition(run, { type: 'resume', actor: 'U0BOB' }, run.updatedAt + 1000));
    expect(resumed.run).toMatchObject({ state: 'running', seq: 8 });
    const written = await storedDoc('1');
    expect(written.schemaVersion).toBe(2);
    expect(written).not.toHaveProperty('uid');
    expect(written).toMatchObject({ state: 'running', seq: 8 });
  });

  it('a new run gets a uid from the installation, its id and its creation time, and is stored at version 3 (the oldest that holds a uid; it has no job step)', async () => {
    const store = new RunStore(redis, prefix, {}, 'shop/flightdeck');
    const run = await newRun(store, 'api', 1_000);
    expect(run.uid).toBe(runUid('shop/flightdeck', run.id, 1_000));
    expect(run.phases.flatMap((phase) => phase.items).some((item) => item.kind === 'step' && item.action === 'job')).toBe(false);
    expect(await storedDoc(run.id)).toMatchObject({ schemaVersion: 3, uid: run.uid });
    expect((await store.get(run.id))?.uid).toBe(run.uid);
  });

  it('the same id again (a restored counter) or another installation gives another uid', () => {
    const first = runUid('shop/flightdeck', '7', 1_000);
    expect(first).toMatch(/^[0-9a-f]{10}$/);
    expect(runUid('shop/flightdeck', '7', 1_000)).toBe(first);
    expect(runUid('shop/flightdeck', '7', 1_001)).not.toBe(first);
    expect(runUid('staging/flightdeck', '7', 1_000)).not.toBe(first);
    expect(runUid('shop/flightdeck', '8', 1_000)).not.toBe(first);
  });
});
