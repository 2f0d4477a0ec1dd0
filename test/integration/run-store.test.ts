import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Checklist } from '../../src/checklist/checklist-schema.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { createRun } from '../../src/run/core/create-run.js';
import { RunStore } from '../../src/run/store/run-store.js';
import type { AuditEntry, Run } from '../../src/run/core/run-schema.js';
import { transition } from '../../src/run/core/transition.js';
import { deleteKeys } from '../support/delete-keys.js';
import { recordRedisCommands } from '../support/record-redis-commands.js';
import { runUid } from '../../src/run/store/run-uid.js';

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MANUAL_ITEMS = 20;

// One phase of 20 manual items (so 20 people can tick at once), then one step.
const checklist: Checklist = {
  name: 'store-test',
  roles: {},
  allowSelfSignoff: false,
  distinctSigners: false,
  guards: [],
  phases: [
    {
      id: 'people',
      title: 'People',
      items: Array.from({ length: MANUAL_ITEMS }, (_, i) => ({ id: `m${i}`, kind: 'manual' as const, title: `Item ${i}` })),
    },
    { id: 'rollout', title: 'Roll out', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] },
  ],
};

let redis: Redis;
let prefix: string;
let store: RunStore;

beforeEach(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  prefix = `test-run-store-${randomUUID()}`;
  store = new RunStore(redis, prefix);
});

afterEach(async () => {
  // SCAN, not KEYS: other suites share this Redis and KEYS blocks it.
  await deleteKeys(redis, `{${prefix}}:*`);
  await redis.quit();
});

async function newStartedRun(service = 'api', environment = 'production', now = T0): Promise<{ run: Run; audit: AuditEntry[] }> {
  const id = await store.nextRunId();
  const run = createRun(
    {
      id,
      service,
      environment,
      version: `1.0.${id}`,
      target: { cluster: 'c', namespace: 'n', deployment: service, container: service, image: `r/${service}:1.0.${id}` },
      requestedBy: 'U1',
      channel: 'C1',
      checklist,
    },
    now,
  );
  const started = transition(run, { type: 'start', actor: 'U1' }, now);
  return { run: started.run, audit: started.audit };
}

describe('RunStore', () => {
  it('allocates ids 1, 2, …', async () => {
    expect([await store.nextRunId(), await store.nextRunId(), await store.nextRunId()]).toEqual(['1', '2', '3']);
  });

  it('claims once-keys in order in one call, stopping at the first already taken and leaving the rest alone', async () => {
    const claims = ['delivery:T1', 'click:1.2:U1:item.tick.a:'].map((key) => ({ key, ttlSeconds: 60 }));
    expect(await store.claimInOrder(claims)).toEqual({ claimed: 2 });
    expect(await store.claimInOrder(claims)).toEqual({ claimed: 0 });
    expect(await store.claimInOrder([{ key: 'delivery:T2', ttlSeconds: 60 }, claims[1]!])).toEqual({ claimed: 1 });
    expect(await store.claimInOrder([{ key: 'delivery:T2', ttlSeconds: 60 }, { key: 'click:never', ttlSeconds: 60 }])).toEqual({ claimed: 0 });
    expect(await store.isClaimed('click:never')).toBe(false);
    expect(await redis.ttl(`{${prefix}}:once:delivery:T1`)).toBeGreaterThan(0);
  });

  it('reads the named run with its claims once all are won, and not when one is lost', async () => {
    const { run, audit } = await newStartedRun();
    const id = run.id;
    await store.create(run, audit);
    const won = await store.claimInOrder([{ key: 'delivery:T3', ttlSeconds: 60 }], id);
    expect(won.claimed).toBe(1);
    expect(won.read?.()).toEqual(await store.get(id));
    expect((await store.claimInOrder([{ key: 'delivery:T4', ttlSeconds: 60 }], 'no-such-run')).read?.()).toBeNull();
    expect(await store.claimInOrder([{ key: 'delivery:T3', ttlSeconds: 60 }], id)).toEqual({ claimed: 0 });
  });

  it('creates a run with its lock, and a second create for the target returns the holder', async () => {
    const first = await newStartedRun();
    const created = await store.create(first.run, first.audit);
    // The store gives every new run its uid: FLIGHTDECK_INSTALLATION (default `flightdeck`), id and creation time.
    const uid = runUid('flightdeck', first.run.id, first.run.createdAt);
    expect(created).toEqual({ created: true, run: { ...first.run, seq: 1, uid } });
    expect(await store.get(first.run.id)).toEqual({ ...first.run, seq: 1, uid });
    expect(await redis.get(`{${prefix}}:lock:api:production`)).toBe(first.run.id);
    expect((await store.activeRunFor('api', 'production'))?.id).toBe(first.run.id);

    const second = await newStartedRun();
    const refused = await store.create(second.run, second.audit);
    expect(refused).toEqual({ created: false, holder: { ...first.run, seq: 1, uid } });
    expect(await store.get(second.run.id)).toBeNull();
    expect((await store.activeRuns()).map((r) => r.id)).toEqual([first.run.id]);
    // The refused run's audit entries were not written.
    expect(await store.audit(second.run.id)).toEqual([]);

    // Another environment is another lock.
    const staging = await newStartedRun('api', 'staging');
    expect((await store.create(staging.run, staging.audit)).created).toBe(true);
  });

  it('lands 20 concurrent updates without losing any', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    const results = await Promise.all(
      Array.from({ length: MANUAL_ITEMS }, (_, i) =>
        store.update(run.id, (current) => transition(current, { type: 'tick', itemId: `m${i}`, actor: `U${i}`, actorRoles: [] }, T0 + 1000 + i)),
      ),
    );
    expect(results.every((r) => r.changed)).toBe(true);
    const stored = (await store.get(run.id))!;
    expect(stored.seq).toBe(1 + MANUAL_ITEMS);
    expect(stored.phases[0]!.items.every((item) => item.state === 'done')).toBe(true);
    expect(stored.phases[0]!.items.map((item) => item.by)).toEqual(Array.from({ length: MANUAL_ITEMS }, (_, i) => `U${i}`));
    // Exactly one of the updates completed the phase and started the step.
    expect(results.flatMap((r) => r.effects).filter((e) => e.type === 'run-step')).toEqual([{ type: 'run-step', itemId: 'set-image' }]);
    expect(stored.state).toBe('running');
    const ticks = (await store.audit(run.id)).filter((e) => e.action === 'item.ticked');
    expect(ticks).toHaveLength(MANUAL_ITEMS);
  });

  it('starts from the run the caller read, and re-reads it when another writer changed it since', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    const read = (await store.get(run.id))!;
    const seen: number[] = [];
    const tick = (itemId: string, actor: string) => (current: Run) => {
      seen.push(current.seq);
      return transition(current, { type: 'tick', itemId, actor, actorRoles: [] }, T0 + 1000);
    };
    // Fresh: the read is the base, and the write lands at once.
    expect((await store.update(run.id, tick('m0', 'U0'), { read })).changed).toBe(true);
    expect(seen).toEqual([1]);
    // Stale (seq 1, the store is at 2): the compare-and-set fails, the run is re-read, and no tick is lost.
    seen.length = 0;
    const result = await store.update(run.id, tick('m1', 'U1'), { read });
    expect(seen).toEqual([1, 2]);
    expect(result.run.seq).toBe(3);
    const stored = (await store.get(run.id))!;
    expect(stored.phases[0]!.items.slice(0, 2).map((item) => [item.state, item.by])).toEqual([
      ['done', 'U0'],
      ['done', 'U1'],
    ]);
  });

  it('leaves the stored run unchanged when the change function throws', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    await store.update(run.id, (current) => transition(current, { type: 'tick', itemId: 'm0', actor: 'U123', actorRoles: [] }, T0 + 2 * 60_000));
    const before = await store.get(run.id);
    const error = await store
      .update(run.id, (current) => transition(current, { type: 'tick', itemId: 'm0', actor: 'U7', actorRoles: [] }, T0 + 5 * 60_000))
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(FlightdeckError);
    expect((error as FlightdeckError).code).toBe('item-already-done');
    expect((error as FlightdeckError).message).toBe('"Item 0" was already ticked by <@U123> at 14:02 UTC.');
    expect(await store.get(run.id)).toEqual(before);
    expect((await store.audit(run.id)).map((e) => e.action)).toEqual(['run.started', 'item.ticked']);
  });

  it('writes nothing for a no-op change and reports a missing run', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    const ignored = await store.update(run.id, (current) => transition(current, { type: 'step-succeeded', itemId: 'set-image', detail: 'x' }, T0));
    expect(ignored).toEqual({ run: { ...run, seq: 1, uid: runUid('flightdeck', run.id, run.createdAt) }, effects: [], changed: false });
    expect((await store.get(run.id))?.seq).toBe(1);
    expect(await store.update(run.id, () => null)).toMatchObject({ changed: false });
    await expect(store.update('999', () => null)).rejects.toMatchObject({ code: 'run-not-found', message: 'Run 999 does not exist.' });
  });

  it('gives up with store-conflict when it keeps losing the race', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    let calls = 0;
    const error = await store
      .update(
        run.id,
        (current) => {
          calls += 1;
          // A concurrent writer sneaks in between every read and write.
          void redis.hincrby(`{${prefix}}:run:${run.id}`, 'seq', 1);
          return transition(current, { type: 'tick', itemId: 'm0', actor: 'U1', actorRoles: [] }, T0);
        },
        { retries: 2 },
      )
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'store-conflict' });
    expect(calls).toBe(3);
  });

  it('releases lock and active set on a terminal update, so the target can be deployed again', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    for (let i = 0; i < MANUAL_ITEMS; i++) {
      await store.update(run.id, (current) => transition(current, { type: 'tick', itemId: `m${i}`, actor: 'U2', actorRoles: [] }, T0 + i));
    }
    const failed = await store.update(run.id, (current) =>
      transition(current, { type: 'step-failed', itemId: 'set-image', reason: 'forbidden', outcome: 'error' }, T0 + 100),
    );
    expect(failed.run.state).toBe('error');
    expect(await redis.exists(`{${prefix}}:lock:api:production`)).toBe(0);
    expect(await store.activeRuns()).toEqual([]);
    expect(await store.activeRunFor('api', 'production')).toBeNull();

    const next = await newStartedRun('api', 'production', T0 + 1000);
    expect(await store.create(next.run, next.audit)).toMatchObject({ created: true });
    expect((await store.activeRunFor('api', 'production'))?.id).toBe(next.run.id);
  });

  it('moves the summaries version when an ended run is written only if its summary changed, and keeps the document for the retention', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    for (let i = 0; i < MANUAL_ITEMS; i++) {
      await store.update(run.id, (current) => transition(current, { type: 'tick', itemId: `m${i}`, actor: 'U2', actorRoles: [] }, T0 + i));
    }
    const ended = await store.update(run.id, (current) => transition(current, { type: 'step-failed', itemId: 'set-image', reason: 'bad', outcome: 'error' }, T0 + 100));
    expect(ended.run.state).toBe('error');
    const version = await store.summariesVersion();
    expect(version).not.toBe('0');
    const summary = await redis.hget(`{${prefix}}:run-summaries`, run.id);
    await redis.persist(`{${prefix}}:run:${run.id}`);

    // Its summary posted: the run as history knows it is the same, and the next run holds the target meanwhile.
    const next = await newStartedRun('api', 'production', T0 + 1000);
    expect(await store.create(next.run, next.audit)).toMatchObject({ created: true });
    const posted = await store.update(run.id, (current) => transition(current, { type: 'summary-posted' }, T0 + 200));
    expect(posted.changed).toBe(true);
    expect(await store.summariesVersion()).toBe(version);
    expect(await redis.hget(`{${prefix}}:run-summaries`, run.id)).toBe(summary);
    expect(await redis.pttl(`{${prefix}}:run:${run.id}`)).toBeGreaterThan(0);
    expect((await store.activeRunFor('api', 'production'))?.id).toBe(next.run.id);
    expect((await store.activeRuns()).map((active) => active.id)).toEqual([next.run.id]);
  });

  it("reads Redis's clock once a write and renews the run's audit index once a write, however many marks and entries it makes", async () => {
    const { run, audit } = await newStartedRun();
    const recording = await recordRedisCommands(redis, { scripts: true });
    await store.create(run, audit);
    for (let i = 0; i < MANUAL_ITEMS; i++) {
      await store.update(run.id, (current) => transition(current, { type: 'tick', itemId: `m${i}`, actor: 'U2', actorRoles: [] }, T0 + i));
    }
    await store.update(run.id, (current) => transition(current, { type: 'step-failed', itemId: 'set-image', reason: 'bad', outcome: 'error' }, T0 + 100));
    // Each script with the commands it ran: they follow its EVALSHA (or EVAL) in the recording. An EVALSHA this Redis
    // had no script for ran nothing (NOSCRIPT) and is sent again as EVAL: it is not a script run of its own.
    const sent: string[][][] = [];
    for (const command of await recording.stop()) {
      if (command[0] === 'lua') sent.at(-1)?.push(command.slice(1));
      else if (/^eval/i.test(command[0] ?? '')) sent.push([]);
    }
    const scripts = sent.filter((ran) => ran.length > 0);
    const own = `{${prefix}}:audit:run-${run.id}`;
    const count = (ran: string[][], name: string, key?: string) => ran.filter(([cmd, first]) => cmd?.toUpperCase() === name && (key === undefined || first === key)).length;
    // The creation, every tick and the end: each marks the run due for its render and its reconcile at the write's time.
    expect(scripts).toHaveLength(MANUAL_ITEMS + 2);
    for (const ran of scripts) {
      expect(count(ran, 'ZADD')).toBeGreaterThanOrEqual(2);
      expect(count(ran, 'TIME')).toBe(1);
      expect(count(ran, 'PEXPIRE', own)).toBe(count(ran, 'XADD', own) > 0 ? 1 : 0);
    }
    // The end appends several entries at once, renewed once.
    expect(count(scripts.at(-1)!, 'XADD', own)).toBeGreaterThan(1);
  });

  it('does not release a lock that names another run', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    await redis.set(`{${prefix}}:lock:api:production`, 'someone-else');
    for (let i = 0; i < MANUAL_ITEMS; i++) {
      await store.update(run.id, (current) => transition(current, { type: 'tick', itemId: `m${i}`, actor: 'U2', actorRoles: [] }, T0 + i));
    }
    await store.update(run.id, (current) => transition(current, { type: 'step-failed', itemId: 'set-image', reason: 'bad', outcome: 'failed' }, T0 + 100));
    expect(await redis.get(`{${prefix}}:lock:api:production`)).toBe('someone-else');
    const other = await newStartedRun();
    await expect(store.create(other.run, other.audit)).rejects.toMatchObject({ code: 'target-locked' });
  });

  it('appends audit entries in order with actor and time', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, [{ run: run.id, actor: 'U1', action: 'run.requested', detail: 'api 1.0.1 to production', at: T0 }, ...audit]);
    await store.update(run.id, (current) => transition(current, { type: 'tick', itemId: 'm3', actor: 'U3', actorRoles: [] }, T0 + 5));
    await store.update(run.id, (current) => transition(current, { type: 'tick', itemId: 'm1', actor: 'U4', actorRoles: [] }, T0 + 9));
    const other = await newStartedRun('web', 'production');
    await store.create(other.run, other.audit);

    const entries = await store.audit(run.id);
    expect(entries).toEqual([
      { run: run.id, actor: 'U1', action: 'run.requested', detail: 'api 1.0.1 to production', at: T0 },
      { run: run.id, actor: 'U1', action: 'run.started', detail: 'api 1.0.1 to production', at: T0 },
      { run: run.id, actor: 'U3', action: 'item.ticked', detail: 'm3: Item 3', at: T0 + 5 },
      { run: run.id, actor: 'U4', action: 'item.ticked', detail: 'm1: Item 1', at: T0 + 9 },
    ]);
    expect((await store.audit(run.id, 2)).map((e) => e.at)).toEqual([T0 + 5, T0 + 9]);
    expect((await store.audit()).map((e) => e.run)).toEqual([run.id, run.id, run.id, run.id, other.run.id]);
  });

  it("reads a run's entries from its own index, under the stream's ids, and scans the stream for a run written before the index", async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    await store.update(run.id, (current) => transition(current, { type: 'tick', itemId: 'm3', actor: 'U3', actorRoles: [] }, T0 + 5));
    const stream = await redis.xrange(`{${prefix}}:audit`, '-', '+');
    const own = await redis.xrange(`{${prefix}}:audit:run-${run.id}`, '-', '+');
    expect(own).toEqual(stream);
    expect(await redis.pttl(`{${prefix}}:audit:run-${run.id}`)).toBeGreaterThan(0);
    // Read from the index alone: the shared stream could be gone and the run's log would not change.
    await redis.del(`{${prefix}}:audit`);
    expect((await store.audit(run.id)).map((e) => e.action)).toEqual(['run.started', 'item.ticked']);
    // Entries an older version wrote (no index) are still found in the stream.
    await redis.xadd(`{${prefix}}:audit`, '*', 'run', '77', 'actor', 'U9', 'action', 'run.requested', 'detail', 'old', 'at', String(T0));
    expect(await store.audit('77')).toEqual([{ run: '77', actor: 'U9', action: 'run.requested', detail: 'old', at: T0 }]);
  });

  it('lists history newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { run, audit } = await newStartedRun('api', 'production', T0 + i * 1000);
      await store.create(run, audit);
      ids.push(run.id);
      await store.update(run.id, (current) => ({ run: { ...current, state: 'aborted', endedAt: T0 + i * 1000 + 1 }, audit: [], effects: [] }));
    }
    expect((await store.history('api', 'production', 10)).map((r) => r.id)).toEqual([...ids].reverse());
    expect((await store.history('api', 'production', 2)).map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect(await store.history('api', 'staging', 10)).toEqual([]);
  });

  it('records the message ts and only raises the rendered seq', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    expect((await store.setMessageTs(run.id, '1700000000.000100')).messageTs).toBe('1700000000.000100');
    const stored = (await store.get(run.id))!;
    expect(stored).toMatchObject({ messageTs: '1700000000.000100', seq: 2 });
    expect(await store.audit(run.id)).toHaveLength(audit.length);

    expect(await store.renders.getRenderedSeq(run.id)).toBe(0);
    expect(await store.renders.holdRenderLock(run.id, 'render-a', 10_000)).toBe(true);
    expect(await store.renders.holdRenderLock(run.id, 'render-b', 10_000)).toBe(false);
    const { readAt } = (await store.renders.readForRender(run.id))!;
    expect(await store.renders.setRenderedSeq(run.id, 3, readAt, 'render-a')).toBe(3);
    expect(await store.renders.setRenderedSeq(run.id, 2, readAt, 'render-a')).toBe(3);
    expect(await store.renders.getRenderedSeq(run.id)).toBe(3);
  });

  it('keeps a run render-due, dated by its first change not shown, until its message shows its seq', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    const first = await store.renders.renderDue();
    const since = first.due.find((d) => d.id === run.id)?.since;
    expect(since).toBeGreaterThan(0);
    expect(since).toBeLessThanOrEqual(first.now);
    // A later change does not move the date: the oldest change not shown is what the lag counts from.
    await store.setMessageTs(run.id, '1700000000.000100');
    expect((await store.renders.renderDue()).due.find((d) => d.id === run.id)?.since).toBe(since);

    await store.renders.holdRenderLock(run.id, 'render-a', 10_000);
    const read = (await store.renders.readForRender(run.id))!;
    expect(read).toMatchObject({ rendered: 0, dueSince: since });
    // Showing seq 1 of 2: still due, dated from the read (the change to seq 2 came after it).
    expect(await store.renders.setRenderedSeq(run.id, 1, read.readAt, 'render-a')).toBe(1);
    expect((await store.renders.renderDue()).due.find((d) => d.id === run.id)?.since).toBe(read.readAt);
    expect(await store.renders.setRenderedSeq(run.id, 2, read.readAt, 'render-a')).toBe(2);
    expect((await store.renders.renderDue()).due.map((d) => d.id)).not.toContain(run.id);
    expect((await store.renders.readForRender(run.id))!.dueSince).toBeUndefined();
  });

  it('marks nothing due for a change the message does not show when it shows the run before it, and due otherwise', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    await store.setMessageTs(run.id, '1700000000.000100');
    const unseen = (current: Run) => ({ run: { ...current, summaryPosted: true }, audit: [], effects: [] });
    // A render still owes seq 2: the unseen change to seq 3 leaves it due, for that render to show.
    const behind = await store.update(run.id, unseen);
    expect(behind).toMatchObject({ changed: true, messageCurrent: false });
    expect((await store.renders.renderDue()).due.map((d) => d.id)).toContain(run.id);

    await store.renders.holdRenderLock(run.id, 'render-a', 10_000);
    const read = (await store.renders.readForRender(run.id))!;
    expect(await store.renders.setRenderedSeq(run.id, read.run.seq, read.readAt, 'render-a')).toBe(3);
    expect((await store.renders.renderDue()).due.map((d) => d.id)).not.toContain(run.id);
    const current = await store.update(run.id, (latest) => ({ run: { ...latest, summaryPosted: false, updatedAt: latest.updatedAt + 1 }, audit: [], effects: [] }));
    expect(current).toMatchObject({ changed: true, messageCurrent: true, run: { seq: 4 } });
    expect(await store.renders.getRenderedSeq(run.id)).toBe(4);
    expect((await store.renders.renderDue()).due.map((d) => d.id)).not.toContain(run.id);
    // A change it shows is due again.
    expect(await store.update(run.id, (latest) => ({ run: { ...latest, version: '9.9.9' }, audit: [], effects: [] }))).toMatchObject({ messageCurrent: false });
    expect((await store.renders.renderDue()).due.map((d) => d.id)).toContain(run.id);
  });

  it('records nothing, and marks the run due again, when the render lock lapsed during the write', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    await store.setMessageTs(run.id, '1700000000.000100');
    await store.renders.holdRenderLock(run.id, 'render-new', 10_000);
    const read = (await store.renders.readForRender(run.id))!;
    expect(await store.renders.setRenderedSeq(run.id, 2, read.readAt, 'render-new', 'digest-2')).toBe(2);
    expect((await store.renders.renderDue()).due.map((d) => d.id)).not.toContain(run.id);
    // An older render whose lock lapsed finishes last: its write of seq 1 may have landed over seq 2.
    expect(await store.renders.setRenderedSeq(run.id, 1, read.readAt, 'render-old', 'digest-1')).toBeUndefined();
    expect(await store.renders.getRenderedSeq(run.id)).toBe(1);
    expect((await store.renders.renderDue()).due.map((d) => d.id)).toContain(run.id);
    // Which of the two writes Slack shows is not known: no digest is kept, so the next render edits.
    expect((await store.renders.readForRender(run.id))!.shown).toBeUndefined();
  });

  it('keeps the digest of what the message shows from the write that showed its seq, and no other', async () => {
    const { run, audit } = await newStartedRun();
    await store.create(run, audit);
    await store.setMessageTs(run.id, '1700000000.000100');
    expect((await store.renders.readForRender(run.id))!.shown).toBeUndefined();
    await store.renders.holdRenderLock(run.id, 'render-a', 10_000);
    const read = (await store.renders.readForRender(run.id))!;
    expect(await store.renders.setRenderedSeq(run.id, 2, read.readAt, 'render-a', 'digest-2')).toBe(2);
    expect((await store.renders.readForRender(run.id))!).toMatchObject({ rendered: 2, shown: 'digest-2' });
    // A write of an older seq than the one recorded replaced what Slack shows, with a rendering of another seq.
    expect(await store.renders.setRenderedSeq(run.id, 1, read.readAt, 'render-a', 'digest-1')).toBe(2);
    expect((await store.renders.readForRender(run.id))!.shown).toBeUndefined();
    expect(await store.renders.setRenderedSeq(run.id, 2, read.readAt, 'render-a', 'digest-2')).toBe(2);
    expect((await store.renders.readForRender(run.id))!.shown).toBe('digest-2');
    // A write without a digest leaves what Slack shows unknown.
    expect(await store.renders.setRenderedSeq(run.id, 2, read.readAt, 'render-a')).toBe(2);
    expect((await store.renders.readForRender(run.id))!.shown).toBeUndefined();
    expect(await store.renders.setRenderedSeq(run.id, 2, read.readAt, 'render-a', 'digest-2')).toBe(2);
    // A change the message does not show moves `rendered` with the run, and the digest with it.
    expect(await store.update(run.id, (current) => ({ run: { ...current, summaryPosted: true }, audit: [], effects: [] }))).toMatchObject({ messageCurrent: true, run: { seq: 3 } });
    expect((await store.renders.readForRender(run.id))!).toMatchObject({ rendered: 3, shown: 'digest-2' });
    // A flightdeck from before the digest, during a rolling upgrade, raises `rendered` and leaves the digest as it was.
    await redis.hset(`{${prefix}}:run:${run.id}`, 'rendered', '4');
    expect((await store.renders.readForRender(run.id))!).toMatchObject({ rendered: 4, shown: undefined });
  });

  it('adopts the unscored render-due set an older version left', async () => {
    await redis.sadd(`{${prefix}}:render-due`, '41', '42');
    expect(await store.renders.adoptLegacyRenderDue()).toBe(2);
    expect(await redis.exists(`{${prefix}}:render-due`)).toBe(0);
    expect((await store.renders.renderDue()).due.map((d) => d.id).sort()).toEqual(['41', '42']);
    expect(await store.renders.adoptLegacyRenderDue()).toBe(0);
  });

  it('reads and updates run documents stored before step items became a union per action', async () => {
    // Written by the flightdeck before the union (see test/unit/run-step-items.test.ts): the rollback run 42
    // is mid-rollback, its rollback step still carrying the timeout that step no longer takes.
    const stored: Array<{ id: string; seq: number }> = JSON.parse(readFileSync(new URL('../fixtures/runs/stored-runs-v2.json', import.meta.url), 'utf8'));
    for (const doc of stored) await redis.hset(`{${prefix}}:run:${doc.id}`, { seq: String(doc.seq), doc: JSON.stringify(doc) });
    expect((await Promise.all(stored.map((doc) => store.get(doc.id)))).map((run) => [run?.id, run?.state])).toEqual([
      ['41', 'running'],
      ['40', 'succeeded'],
      ['42', 'running'],
    ]);

    const { run } = await store.update('42', (current) => transition(current, { type: 'step-succeeded', itemId: 'rollback', detail: 'api restored to revision 11' }, T0));
    expect(run.phases[0]?.items.map((item) => [item.id, item.state])).toEqual([
      ['restore-traffic', 'done'],
      ['rollback', 'done'],
      ['wait-rollout', 'running'],
    ]);
    const written = JSON.parse((await redis.hget(`{${prefix}}:run:42`, 'doc'))!) as Run;
    expect(written.phases[0]?.items[1]).not.toHaveProperty('timeoutMs');
    expect(written.phases[0]?.items[1]).toMatchObject({ action: 'rollback', toRevision: '11' });
    expect(written.phases[0]?.items[2]).toMatchObject({ action: 'wait-rollout', timeoutMs: 600_000, state: 'running' });
  });

  it('claims an idempotency key once', async () => {
    expect(await store.claimOnce('slack:Ev123', 60)).toBe(true);
    expect(await store.claimOnce('slack:Ev123', 60)).toBe(false);
    expect(await store.claimOnce('slack:Ev124', 60)).toBe(true);
    const ttl = await redis.ttl(`{${prefix}}:once:slack:Ev123`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});
