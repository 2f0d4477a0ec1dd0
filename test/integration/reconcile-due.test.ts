import type { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createLogger } from '../../src/observability/create-logger.js';
import type { Queues } from '../../src/queue/engine/create-queues.js';
import { reconcileRuns } from '../../src/queue/engine/reconcile-runs.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import { stepJobId } from '../../src/queue/engine/job-schemas.js';
import { createRollbackRun } from '../../src/run/core/create-rollback-run.js';
import { createRun } from '../../src/run/core/create-run.js';
import { runRef } from '../../src/run/core/run-ref.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition } from '../../src/run/core/transition.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import { useStoreWithQueues } from '../support/store-with-queues.js';
import { recordRedisCommands } from '../support/record-redis-commands.js';

/*
 * A reconcile pass does work in proportion to the runs due for it, not to every active run: runs waiting
 * for a person are read once after their last write and then left alone until they are written again.
 * Counted from the Redis commands the store's connection sends (MONITOR), never timed.
 */

const T0 = Date.now();
const ACTIVE = 200;
const logger = createLogger('silent');

// Two people-only items, so one tick leaves the run active and written.
const checklist = checklistSchema.parse({
  name: 'people',
  phases: [{ id: 'go', title: 'Go', items: [{ id: 'ci', kind: 'manual', title: 'CI is green' }, { id: 'ok', kind: 'manual', title: 'Looks good' }] }],
});
// A step first: a started run has it running.
const steps = checklistSchema.parse({ name: 'steps', phases: [{ id: 'p', title: 'P', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] }] });

const world = useStoreWithQueues('it-reconcile-due');
let redis: Redis;
let prefix: string;
let store: RunStore;
let queues: Queues;
let engine: RunEngine;

beforeEach(() => {
  ({ redis, prefix, store, queues } = world());
  engine = new RunEngine({ store, queues, now: () => T0, logger });
});

const targetOf = (id: string) => ({ cluster: 'c', namespace: 'shop', deployment: `svc-${id}`, container: 'app', image: `reg/svc-${id}:v2` });

/**
 * Stores a started run, as a process that then died before enqueueing anything would leave it, with its
 * message shown in Slack (so no render is due): waiting for its first person, or running its first step.
 */
async function startedRun(id: string, list = checklist): Promise<Run> {
  const run = createRun({ id, service: `svc-${id}`, environment: 'prod', version: 'v2', target: targetOf(id), requestedBy: 'U0ALICE', channel: 'C0DEPLOY', checklist: list }, T0);
  const started = transition(run, { type: 'start', actor: 'U0ALICE' }, T0);
  const created = await store.create(started.run, started.audit);
  if (!created.created) throw new Error(`lock held by run ${created.holder.id}`);
  await shown(id);
  return created.run;
}

/** Writes the run as `change` makes it, with no audit and no effects, as a step of the engine would. */
async function write(id: string, change: (run: Run) => Run): Promise<Run> {
  const { run } = await store.update(id, (current) => ({ run: change(current), audit: [], effects: [] }));
  await shown(id);
  return run;
}

/** Records that the run's message shows its latest seq, as a render would. */
async function shown(id: string): Promise<void> {
  expect(await store.renders.holdRenderLock(id, 'test', 10_000)).toBe(true);
  const read = await store.renders.readForRender(id);
  await store.renders.setRenderedSeq(id, read!.run.seq, read!.readAt, 'test');
  await store.renders.finishRender(id, 'test');
}

/** One reconcile pass, with what it sent on the store's connection: all commands, and the run documents read. */
async function countedPass(recheckMs?: number): Promise<{ commands: number; docsRead: string[] }> {
  const recording = await recordRedisCommands(redis);
  await reconcileRuns(store, engine, logger, { redis, keyPrefix: prefix, ...(recheckMs === undefined ? {} : { recheckMs }) });
  const commands = await recording.stop();
  const runKey = new RegExp(`^\\{${prefix}\\}:run:(\\d+)$`);
  const docsRead = commands.flatMap(([name, key, ...fields]) =>
    /^h(m)?get$/i.test(name ?? '') && fields.includes('doc') ? [runKey.exec(key ?? '')?.[1] ?? '?'] : [],
  );
  return { commands: commands.length, docsRead: docsRead.sort((a, b) => Number(a) - Number(b)) };
}

describe('a reconcile pass', () => {
  it(`reads only the runs written since they were last reconciled, not all ${ACTIVE} active runs`, async () => {
    for (let i = 1; i <= ACTIVE; i += 1) await startedRun(String(i));

    const first = await countedPass();
    const second = await countedPass();
    await store.update('7', (run) => transition(run, { type: 'tick', itemId: 'ci', actor: 'U0BOB', actorRoles: [] }, T0));
    await shown('7');
    const afterTick = await countedPass();

    // Each run is read once after its last write (here: its creation) ...
    expect(first.docsRead).toEqual(Array.from({ length: ACTIVE }, (_, i) => String(i + 1)));
    // ... then a pass with nothing written since reads no run, whatever is active: the outbox index (empty), the
    // due runs (none) and the render-due index (empty), 4 commands ...
    expect(second).toEqual({ commands: 4, docsRead: [] });
    // ... and one write makes that one run due again: its document, and settling it, 2 more.
    expect(afterTick).toEqual({ commands: 6, docsRead: ['7'] });
  });
});

describe('what a pass still asks for', () => {
  it('a running step whose job is gone, after the write and again on every recheck while it runs; none once it ended', async () => {
    const run = await startedRun('1', steps);
    const jobId = stepJobId(run, 'set-image');
    expect(await queues.steps.getJob(jobId)).toBeUndefined();

    expect((await countedPass(0)).docsRead).toEqual(['1']);
    expect(await queues.steps.getJob(jobId)).toBeDefined();
    // The job vanished after the run was last written: only the recheck of a run in motion finds it.
    await (await queues.steps.getJob(jobId))?.remove();
    expect((await countedPass(0)).docsRead).toEqual(['1']);
    expect(await queues.steps.getJob(jobId)).toBeDefined();
    // Re-scored a recheck (here an hour) on: not read by the pass right after.
    expect((await countedPass(3_600_000)).docsRead).toEqual(['1']);
    expect((await countedPass(3_600_000)).docsRead).toEqual([]);

    await (await queues.steps.getJob(jobId))?.remove();
    await write('1', (current) => ({ ...current, state: 'succeeded' }));
    expect(await store.reconciles.due(10)).toMatchObject({ runs: [], gone: [] });
    await countedPass(0);
    expect(await queues.steps.getJob(jobId)).toBeUndefined();
  });

  it('a check that is running, as a step', async () => {
    const checks = checklistSchema.parse({ name: 'checks', phases: [{ id: 'p', title: 'P', items: [{ id: 'pods', kind: 'check', title: 'Pods ready', probe: { type: 'k8s-pods', minReady: 2 } }] }] });
    const run = await startedRun('1', checks);
    expect(run.phases[0]?.items[0]?.state).toBe('running');
    await countedPass(0);
    expect(await queues.steps.getJob(`check-${runRef(run)}-pods`)).toBeDefined();
  });

  it('the start of guards that were started and not stopped, on every recheck; not once they stopped', async () => {
    const watched = await write((await startedRun('1')).id, (run) => ({ ...run, guardsStartedAt: T0 }));
    const jobId = `guards-start-${runRef(watched)}`;
    await countedPass(0);
    expect(await queues.guards.getJob(jobId)).toBeDefined();
    // Its message shows it: no render job comes with the guards' start, which every recheck asks for.
    expect(await queues.notify.getJobCounts('wait', 'prioritized', 'delayed')).toEqual({ wait: 0, prioritized: 0, delayed: 0 });
    await (await queues.guards.getJob(jobId))?.remove();
    await countedPass(0);
    expect(await queues.guards.getJob(jobId)).toBeDefined();

    await (await queues.guards.getJob(jobId))?.remove();
    await write('1', (run) => ({ ...run, guardsStoppedAt: T0 }));
    expect((await countedPass(0)).docsRead).toEqual(['1']);
    expect(await queues.guards.getJob(jobId)).toBeUndefined();
    // Nothing of it in motion any more: dropped until its next write.
    expect((await countedPass(0)).docsRead).toEqual([]);
  });

  it('the report of a rollback that ended to the run it undid, even when the rollback ended after the undone run was last written', async () => {
    const original = await startedRun('1', steps);
    const rollback = createRollbackRun({ id: '2', of: original, service: original.service, environment: 'prod', target: targetOf('1'), requestedBy: 'U0BOB', channel: 'C0DEPLOY', reason: 'bad' }, T0);
    await store.createRollback(rollback, [], { next: { ...original, state: 'rolling-back', rollbackRunId: '2' }, expectedSeq: original.seq });
    await shown('1');
    await shown('2');
    // Looked at while the rollback runs: nothing to report yet, so it is watched.
    await countedPass(0);
    expect((await store.get('1'))?.state).toBe('rolling-back');

    // The rollback ended and its process died before reporting; the undone run is not written by that.
    await write('2', (run) => ({ ...run, state: 'succeeded' }));
    await countedPass(0);
    expect((await store.get('1'))?.state).toBe('rolled-back');
  });
});

describe('the reconcile-due index', () => {
  it('takes in active runs stored before it existed, once per start, idempotently', async () => {
    const run = await startedRun('1', steps);
    await startedRun('2');
    // As a flightdeck that kept no index left them.
    await redis.del(`{${prefix}}:reconcile-due`);
    expect((await countedPass(0)).docsRead).toEqual([]);

    expect(await store.reconciles.adoptActive()).toBe(2);
    expect(await store.reconciles.adoptActive()).toBe(0);
    expect((await countedPass(0)).docsRead).toEqual(['1', '2']);
    expect(await queues.steps.getJob(stepJobId(run, 'set-image'))).toBeDefined();
  });

  it('keeps a run due that was written between the pass reading it and settling it', async () => {
    await startedRun('1');
    const [read] = (await store.reconciles.due(10)).runs;
    await write('1', (run) => ({ ...run, messageTs: '1700000000.000100' }));
    await store.reconciles.settle(read!.id, read!.seq, undefined);
    expect((await store.reconciles.due(10)).runs.map((run) => run.seq)).toEqual([read!.seq + 1]);
    // Settled at the seq it was read at, it leaves.
    await store.reconciles.settle('1', read!.seq + 1, undefined);
    expect((await store.reconciles.due(10)).runs).toEqual([]);
  });

  it('keeps the sooner time when a run due now is written again', async () => {
    await startedRun('1');
    const { now } = await store.reconciles.due(10);
    await store.reconciles.settle('1', 1, now + 3_600_000);
    expect((await store.reconciles.due(10)).runs).toEqual([]);
    await write('1', (run) => ({ ...run, messageTs: '1700000000.000100' }));
    expect((await store.reconciles.due(10)).runs.map((run) => run.id)).toEqual(['1']);
  });
});
