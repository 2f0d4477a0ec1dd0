import type { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createLogger } from '../../src/observability/create-logger.js';
import type { Queues } from '../../src/queue/engine/create-queues.js';
import { outboxPayloadOf } from '../../src/queue/engine/notify-jobs-of.js';
import { reconcileRuns } from '../../src/queue/engine/reconcile-runs.js';
import { redeliverCommitted } from '../../src/queue/engine/redeliver-committed.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import { createReplyOrder, threadPlace } from '../../src/queue/notify/reply-order.js';
import { createRollbackRun } from '../../src/run/core/create-rollback-run.js';
import { createRun } from '../../src/run/core/create-run.js';
import { foldClosingNotes } from '../../src/run/core/fold-closing-notes.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import { runRef } from '../../src/run/core/run-ref.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import { useStoreWithQueues } from '../support/store-with-queues.js';

/*
 * A write is committed first and its jobs enqueued second. Steps, checks, renders and rollbacks are asked for
 * again from the run's state when the writer dies between; a thread reply or an alert cannot be, so the write
 * keeps them in the run's outbox until its writer has enqueued them, and the reconciler enqueues what a dead
 * writer left there. (Seen as a Job's first log lines missing from the thread after its worker was killed.)
 */

const logger = createLogger('silent');
const world = useStoreWithQueues('it-outbox');
let redis: Redis;
let prefix: string;
let store: RunStore;
let queues: Queues;
let engine: RunEngine;

beforeEach(() => {
  ({ redis, prefix, store, queues } = world());
  engine = new RunEngine({ store, queues, now: Date.now, logger });
});

/** A started run waiting for a person to tick its one item: a `pause` writes a thread reply and nothing else. */
async function startedRun(phases: object[] = [{ id: 'pre', title: 'Before', items: [{ id: 'ci', kind: 'manual', title: 'CI green' }] }]): Promise<Run> {
  const checklist = checklistSchema.parse({ name: 'outbox', phases });
  const target = { cluster: 'emu', namespace: 'shop', deployment: 'api', container: 'api', image: 'reg/api:2.0.0' };
  const run = createRun({ id: await store.nextRunId(), service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U0ALICE', channel: 'C0DEPLOY', checklist }, Date.now());
  const started = transition(run, { type: 'start', actor: 'U0ALICE' }, Date.now());
  const created = await store.create(started.run, started.audit);
  if (!created.created) throw new Error(`lock held by run ${created.holder.id}`);
  return created.run;
}

/** What RunEngine.apply commits, without what it enqueues after: the write of a writer that died in between. */
async function commitOnly(id: string, event: RunEvent): Promise<Run> {
  const result = await store.update(id, (run) => foldClosingNotes(transition(run, event, Date.now())), { outbox: outboxPayloadOf });
  return result.run;
}

/** A reconciler's redelivery as every process has it (a job in the outbox is taken for lost 5 s after its write), or, `later`, past the grace. */
const redeliver = (later = false) => redeliverCommitted({ store, engine, order: createReplyOrder(redis, prefix), logger }, later ? 0 : undefined);

/** The seqs of the run's writes whose jobs are kept in its outbox, not enqueued yet. */
const keptSeqs = async (runId: string) => (await store.outbox.entriesOf(runId)).map((entry) => entry.seq);
const threadJobs = async () => (await queues.notify.getJobs(['prioritized', 'waiting'])).filter((job) => job.name === 'thread');

describe('a thread reply committed by a writer that died before enqueueing it', () => {
  it('is kept in the run outbox and enqueued by the reconciler once the grace is over, with the id its writer would have given it', async () => {
    const run = await startedRun();
    const paused = await commitOnly(run.id, { type: 'pause', actor: 'U0BOB' });

    expect(await threadJobs()).toEqual([]);
    expect(await keptSeqs(run.id)).toEqual([paused.seq]);
    // Within the grace its writer may still be enqueueing it: nothing is asked for twice.
    expect(await redeliver()).toBe(0);

    expect(await reconcileRuns(store, engine, logger, { redis, keyPrefix: prefix, outboxGraceMs: 0 })).toBeGreaterThanOrEqual(1);
    const jobs = await threadJobs();
    expect(jobs.map((job) => job.id)).toEqual([`thread-${runRef(paused)}-${paused.seq}-0`]);
    expect(jobs[0]?.data).toMatchObject({ runId: run.id, note: { kind: 'paused' } });
    expect(await keptSeqs(run.id)).toEqual([]);
    expect(await redis.zscore(`{${prefix}}:outbox-due`, run.id)).toBeNull();
    // Enqueued once: a second pass finds nothing left.
    expect(await redeliver(true)).toBe(0);
  });

  it('holds back the replies of later writes, which go after it', async () => {
    const run = await startedRun();
    const paused = await commitOnly(run.id, { type: 'pause', actor: 'U0BOB' });
    // A live writer's reply of the next write: enqueued, and its outbox entry settled.
    const resumed = await engine.apply(run.id, { type: 'resume', actor: 'U0BOB' });
    const [reply] = (await threadJobs()).filter((job) => job.id?.includes(`-${resumed.seq}-`));
    expect(reply).toBeDefined();
    expect(await keptSeqs(run.id)).toEqual([paused.seq]);

    const order = createReplyOrder(redis, prefix);
    const place = threadPlace(run.id, reply!)!.place;
    expect(await order.behind(run.id, reply!, place)).toBe(`thread-${runRef(paused)}-${paused.seq}-0`);
    await redeliver(true);
    // Now the earlier reply is queued: the later one waits for that job, as for any earlier reply.
    expect(await order.behind(run.id, reply!, place)).toBe(`thread-${runRef(paused)}-${paused.seq}-0`);
    expect(await keptSeqs(run.id)).toEqual([]);
  });

  it('holds a later reply behind the first reply an earlier write kept, by that reply\'s own job id, and never behind an entry with no reply', async () => {
    const run = await startedRun();
    const paused = await commitOnly(run.id, { type: 'pause', actor: 'U0BOB' });
    const resumed = await engine.apply(run.id, { type: 'resume', actor: 'U0BOB' });
    const [reply] = (await threadJobs()).filter((job) => job.id?.includes(`-${resumed.seq}-`));
    const outboxKey = `{${prefix}}:outbox:${run.id}`;
    const kept = JSON.parse((await redis.hget(outboxKey, String(paused.seq)))!) as Array<{ jobId: string }>;
    // The kept reply is the write's second effect, after an alert: the reply waits for the reply, not for a made-up id.
    const alert = { name: 'alert', data: { runId: run.id, guardId: 'errors', action: 'notify', detail: 'error rate' }, jobId: `alert-${runRef(paused)}-${paused.seq}-errors` };
    const reindexed = kept.map((job) => ({ ...job, jobId: job.jobId.replace(/-\d+$/, '-1') }));
    await redis.hset(outboxKey, String(paused.seq), JSON.stringify([alert, ...reindexed]));
    const order = createReplyOrder(redis, prefix);
    const place = threadPlace(run.id, reply!)!.place;
    expect(await order.behind(run.id, reply!, place)).toBe(`thread-${runRef(paused)}-${paused.seq}-1`);

    // An entry that holds only an alert (or is not a list of jobs) holds back no reply.
    await redis.hset(outboxKey, String(paused.seq), JSON.stringify([alert]));
    await redis.hset(outboxKey, String(paused.seq - 1), 'not json');
    expect(await order.behind(run.id, reply!, place)).toBeUndefined();
  });
});

describe('the run a rollback undoes, written by the rollback creation', () => {
  it('keeps its reply in its outbox in that same script, for the reconciler should the creator die before enqueueing it', async () => {
    // A deploy whose image step is done: it changed the cluster, so it can be rolled back.
    const deploy = await startedRun([
      { id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] },
      { id: 'after', title: 'After', items: [{ id: 'ok', kind: 'manual', title: 'Looks good' }] },
    ]);
    const of = await engine.apply(deploy.id, { type: 'step-succeeded', itemId: 'set-image', detail: 'image set' });
    const rollback = createRollbackRun({ id: await store.nextRunId(), of, service: 'api', environment: 'production', target: of.target, requestedBy: 'U0BOB', channel: 'C0DEPLOY', reason: 'bad release' }, Date.now());
    const undone = transition(of, { type: 'rollback-started', rollbackRunId: rollback.id, actor: 'U0BOB' }, Date.now());
    expect(undone.effects.map((effect) => effect.type)).toContain('thread');
    const started = transition(rollback, { type: 'start', actor: 'U0BOB' }, Date.now());
    const created = await store.createRollback(started.run, started.audit, { next: undone.run, expectedSeq: of.seq, outbox: (next) => outboxPayloadOf(next, undone.effects) });

    expect(await keptSeqs(of.id)).toEqual([created.undone!.seq]);
    expect(await redeliver(true)).toBeGreaterThanOrEqual(1);
    expect((await threadJobs()).map((job) => job.id)).toContain(`thread-${runRef(created.undone!)}-${created.undone!.seq}-${undone.effects.findIndex((effect) => effect.type === 'thread')}`);
    expect(await keptSeqs(of.id)).toEqual([]);
  });
});

describe('a write whose writer lives', () => {
  it('enqueues its reply and leaves nothing in the outbox', async () => {
    const run = await startedRun();
    const paused = await engine.apply(run.id, { type: 'pause', actor: 'U0BOB' });

    expect((await threadJobs()).map((job) => job.id)).toEqual([`thread-${runRef(paused)}-${paused.seq}-0`]);
    expect(await keptSeqs(run.id)).toEqual([]);
    expect(await redis.zscore(`{${prefix}}:outbox-due`, run.id)).toBeNull();
    expect(await redeliver(true)).toBe(0);
  });

  it('keeps nothing when it asks for no reply or alert', async () => {
    const run = await startedRun();
    await engine.apply(run.id, { type: 'tick', itemId: 'ci', actor: 'U0BOB', actorRoles: [] });

    expect(await redis.exists(`{${prefix}}:outbox:${run.id}`)).toBe(0);
    expect(await redis.zscore(`{${prefix}}:outbox-due`, run.id)).toBeNull();
  });
});
