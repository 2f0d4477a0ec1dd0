import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRollbackRun } from '../../src/run/core/create-rollback-run.js';
import { createRun } from '../../src/run/core/create-run.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { RUN_SCHEMA_VERSION, type Run } from '../../src/run/core/run-schema.js';
import { transition } from '../../src/run/core/transition.js';
import { deleteKeys } from '../support/delete-keys.js';
import { runUid } from '../../src/run/store/run-uid.js';

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const target = { cluster: 'c', namespace: 'n', deployment: 'api', container: 'api', image: 'r/api:2' };
const checklist = checklistSchema.parse({ name: 'c', phases: [{ id: 'p', title: 'P', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] }] });

let redis: Redis;
let prefix: string;
let store: RunStore;

beforeEach(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  prefix = `test-run-locks-${randomUUID()}`;
  store = new RunStore(redis, prefix);
});

afterEach(async () => {
  await deleteKeys(redis, `{${prefix}}:*`);
  await redis.quit();
});

async function deploy(environment = 'production'): Promise<Run> {
  const id = await store.nextRunId();
  const run = createRun({ id, service: 'api', environment, version: '2', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
  const started = transition(run, { type: 'start', actor: 'U1' }, T0);
  const created = await store.create(started.run, started.audit);
  if (!created.created) throw new Error('lock unexpectedly held');
  return created.run;
}

async function rollbackOf(of: Run | null, environment = 'production'): Promise<Run> {
  const id = await store.nextRunId();
  return createRollbackRun({ id, of, service: 'api', environment, target, requestedBy: 'U9', channel: 'C1', reason: 'bad release' }, T0 + 1000);
}

describe('RunStore locks', () => {
  it('a rollback takes the lock from the run it undoes and stops that run in the same script; a second rollback is refused', async () => {
    const original = await deploy();
    const rollback = await rollbackOf(original);
    const stopped: Run = { ...original, state: 'rolling-back', rollbackRunId: rollback.id };
    const audit = [
      { run: rollback.id, actor: 'U9', action: 'rollback.requested', detail: 'bad release', at: T0 },
      { run: original.id, actor: 'U9', action: 'run.stopped', detail: `stopped by rollback run ${rollback.id}`, at: T0 },
    ];
    const result = await store.createRollback(rollback, audit, { next: stopped, expectedSeq: original.seq });
    expect(result.run).toEqual({ ...rollback, seq: 1, uid: runUid('flightdeck', rollback.id, rollback.createdAt) });
    expect(result.undone).toEqual({ ...stopped, seq: original.seq + 1 });
    expect(await store.get(original.id)).toEqual({ ...stopped, seq: original.seq + 1 });
    expect(result.replaced).toMatchObject({ kind: 'run', run: { id: original.id } });
    expect((await store.activeRunFor('api', 'production'))?.id).toBe(rollback.id);
    expect((await store.history('api', 'production', 10)).map((r) => r.id)).toEqual([rollback.id, original.id]);
    expect((await store.audit(rollback.id)).map((e) => e.action)).toEqual(['rollback.requested']);
    expect((await store.audit(original.id)).map((e) => e.action)).toContain('run.stopped');

    const again = await rollbackOf(original);
    await expect(store.createRollback(again, [])).rejects.toMatchObject({ code: 'target-locked', message: expect.stringMatching(new RegExp(`already being rolled back by run #${rollback.id}`)) });
    expect(await store.get(again.id)).toBeNull();
    // The original run ending does not release the rollback's lock.
    await store.update(original.id, (run) => transition(run, { type: 'rollback-finished', ok: true, detail: 'restored' }, T0 + 2000));
    expect((await store.activeRunFor('api', 'production'))?.id).toBe(rollback.id);
  });

  it('a rollback that does not undo the deploy holding the lock is refused naming it, and a stale undone run writes nothing', async () => {
    const older = await deploy('staging');
    await store.update(older.id, (run) => transition(run, { type: 'abort', actor: 'U1' }, T0 + 1));
    const inFlight = await deploy('staging');
    const stray = await rollbackOf(older, 'staging');
    const olderNow = (await store.get(older.id))!;
    await expect(store.createRollback(stray, [], { next: { ...olderNow, state: 'rolling-back' }, expectedSeq: olderNow.seq })).rejects.toMatchObject({
      code: 'target-locked',
      message: expect.stringContaining(`Run #${inFlight.id}`),
    });
    expect(await store.get(stray.id)).toBeNull();
    expect(await store.get(older.id)).toEqual(olderNow);
    expect((await store.activeRunFor('api', 'staging'))?.id).toBe(inFlight.id);

    const undo = await rollbackOf(inFlight, 'staging');
    await expect(store.createRollback(undo, [], { next: { ...inFlight, state: 'rolling-back' }, expectedSeq: inFlight.seq - 1 })).rejects.toMatchObject({ code: 'store-conflict' });
    expect(await store.get(undo.id)).toBeNull();
    expect((await store.activeRunFor('api', 'staging'))?.id).toBe(inFlight.id);
  });

  it('a manual lock blocks deploys with who and why, is listed, and is released only manually', async () => {
    await store.lockManually('api', 'production', { by: 'U7', reason: 'DB migration', at: T0 });
    const id = await store.nextRunId();
    const run = createRun({ id, service: 'api', environment: 'production', version: '2', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
    await expect(store.create(run, [])).rejects.toMatchObject({ code: 'target-locked', message: '`api` in production is locked by <@U7> since 14:00 UTC: DB migration' });
    await expect(store.lockManually('api', 'production', { by: 'U8', reason: 'x', at: T0 })).rejects.toMatchObject({ code: 'target-locked', message: expect.stringMatching(/locked by <@U7>/) });

    const staging = await deploy('staging');
    await expect(store.lockManually('api', 'staging', { by: 'U8', reason: 'x', at: T0 })).rejects.toMatchObject({ message: expect.stringMatching(new RegExp(`being deployed by run #${staging.id}`)) });
    await expect(store.unlockManually('api', 'staging', { by: 'U8', at: T0 })).rejects.toMatchObject({ code: 'target-locked' });

    const locks = await store.locks();
    expect(locks.map((l) => [l.service, l.environment, l.holder.kind])).toEqual([
      ['api', 'production', 'manual'],
      ['api', 'staging', 'run'],
    ]);
    expect(locks[0]?.holder).toEqual({ kind: 'manual', by: 'U7', reason: 'DB migration', at: T0 });

    expect(await store.unlockManually('api', 'production', { by: 'U8', at: T0 + 5 })).toEqual({ by: 'U7', reason: 'DB migration', at: T0 });
    await expect(store.unlockManually('api', 'production', { by: 'U8', at: T0 })).rejects.toMatchObject({ code: 'usage', message: '`api` in production is not locked.' });
    expect((await store.create(run, [])).created).toBe(true);
    expect((await store.audit('')).map((e) => [e.actor, e.action])).toEqual([
      ['U7', 'lock.taken'],
      ['U8', 'lock.released'],
    ]);
  });

  it('a rollback may take a manual lock', async () => {
    await store.lockManually('api', 'production', { by: 'U7', reason: 'freeze', at: T0 });
    const rollback = await rollbackOf(null);
    const result = await store.createRollback(rollback, []);
    expect(result.replaced).toEqual({ kind: 'manual', by: 'U7', reason: 'freeze', at: T0 });
    expect((await store.activeRunFor('api', 'production'))?.id).toBe(rollback.id);
  });

  it('refuses to read a run stored by another schema version', async () => {
    const run = await deploy();
    const doc = JSON.parse((await redis.hget(`{${prefix}}:run:${run.id}`, 'doc'))!) as Record<string, unknown>;
    delete doc.schemaVersion;
    await redis.hset(`{${prefix}}:run:${run.id}`, 'doc', JSON.stringify(doc));
    await expect(store.get(run.id)).rejects.toMatchObject({ code: 'internal', message: `Run ${run.id} was stored with run schema version 1; this flightdeck reads versions 2 to ${RUN_SCHEMA_VERSION}.` });
  });
});
