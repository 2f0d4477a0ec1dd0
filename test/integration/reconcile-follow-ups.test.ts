import type { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createLogger } from '../../src/observability/create-logger.js';
import type { Queues } from '../../src/queue/engine/create-queues.js';
import { reconcileRuns } from '../../src/queue/engine/reconcile-runs.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import { transition } from '../../src/run/core/transition.js';
import { runRef } from '../../src/run/core/run-ref.js';
import { useStoreWithQueues } from '../support/store-with-queues.js';

const T0 = Date.now();
const HOUR = 3_600_000;

// A people-only checklist with a follow-up phase an hour after the run succeeds.
const checklist = checklistSchema.parse({
  name: 'follow-up',
  phases: [
    { id: 'go', title: 'Go', items: [{ id: 'ok', kind: 'manual', title: 'Looks good' }] },
    { id: 'later', title: 'One hour later', after: '1h', items: [{ id: 'dashboards', kind: 'manual', title: 'Dashboards still green' }] },
  ],
});

const world = useStoreWithQueues('test-reconcile');
let redis: Redis;
let prefix: string;
let store: RunStore;
let queues: Queues;
let engine: RunEngine;

beforeEach(() => {
  ({ redis, prefix, store, queues } = world());
  engine = new RunEngine({ store, queues, now: () => T0, logger: createLogger('silent') });
});

describe('reconcileRuns', () => {
  it('schedules the follow-up of a run whose process died after committing its success', async () => {
    const target = { cluster: 'c', namespace: 'shop', deployment: 'api', container: 'api', image: 'reg/api:v2' };
    const run = createRun({ id: '1', service: 'api', environment: 'prod', version: 'v2', target, requestedBy: 'U0ALICE', channel: 'C0DEPLOY', checklist }, T0);
    const started = transition(run, { type: 'start', actor: 'U0ALICE' }, T0);
    await store.create(started.run, started.audit);
    // Committed, then the process died: none of the transition's effects were enqueued.
    const done = await store.update('1', (current) => transition(current, { type: 'tick', itemId: 'ok', actor: 'U0BOB', actorRoles: [] }, T0));
    expect(done.run.state).toBe('succeeded');
    expect(done.effects).toContainEqual({ type: 'schedule-phase', phaseId: 'later', at: T0 + HOUR });
    // Named by id and uid (run-ref.ts), so a later run #1 after a Redis restore gets its own follow-up.
    const jobId = `phase-${runRef(done.run)}-later`;
    expect(jobId).toMatch(/^phase-1-[0-9a-f]{10}-later$/);
    expect(await queues.followups.getJob(jobId)).toBeUndefined();

    await reconcileRuns(store, engine, createLogger('silent'), { redis, keyPrefix: prefix });
    const job = await queues.followups.getJob(jobId);
    expect(job?.data).toEqual({ runId: '1', phaseId: 'later' });
    expect(await job?.getState()).toBe('delayed');

    // Asking again while it waits adds nothing.
    await reconcileRuns(store, engine, createLogger('silent'), { redis, keyPrefix: prefix });
    expect(await queues.followups.getDelayedCount()).toBe(1);
  });

  it('queues the audit-channel announcement of an emergency run whose process died before queueing it, until its message is posted', async () => {
    const target = { cluster: 'c', namespace: 'shop', deployment: 'api', container: 'api', image: 'reg/api:v2' };
    const emergency = { reason: 'checkout is down', approver: 'approvers' };
    const run = createRun({ id: '2', service: 'api', environment: 'prod', version: 'v2', target, requestedBy: 'U0ALICE', channel: 'C0DEPLOY', checklist, emergency }, T0);
    const started = transition(run, { type: 'start', actor: 'U0ALICE' }, T0);
    // Recorded, then the process died: neither its render nor its announcement was queued.
    const created = await store.create(started.run, started.audit);
    if (!created.created) throw new Error('not created');
    const jobId = `announce-${runRef(created.run)}`;
    const auditChannelOf = (environment: string) => (environment === 'prod' ? 'C0AUDIT' : undefined);

    // Without an audit channel for the environment, nothing is announced.
    await reconcileRuns(store, engine, createLogger('silent'), { redis, keyPrefix: prefix, auditChannelOf: () => undefined });
    expect(await queues.notify.getJob(jobId)).toBeUndefined();

    await reconcileRuns(store, engine, createLogger('silent'), { redis, keyPrefix: prefix, auditChannelOf });
    expect((await queues.notify.getJob(jobId))?.data).toEqual({ runId: '2', channel: 'C0AUDIT' });
    await reconcileRuns(store, engine, createLogger('silent'), { redis, keyPrefix: prefix, auditChannelOf });
    expect((await queues.notify.getJobs(['waiting', 'prioritized'])).filter((job) => job.name === 'announce')).toHaveLength(1);

    // Once the run message is posted, the announcement is no longer asked for.
    await (await queues.notify.getJob(jobId))?.remove();
    await store.update('2', (current) => ({ run: { ...current, messageTs: '1700000000.000100' }, audit: [], effects: [] }));
    await reconcileRuns(store, engine, createLogger('silent'), { redis, keyPrefix: prefix, auditChannelOf });
    expect(await queues.notify.getJob(jobId)).toBeUndefined();
  });

  it('restores the day-after watch of a run whose process died after committing its success', async () => {
    const watched = checklistSchema.parse({
      name: 'watched',
      phases: [
        { id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] },
        { id: 'go', title: 'Go', items: [{ id: 'ok', kind: 'manual', title: 'Looks good' }] },
      ],
      guards: [{ id: 'errors', title: 'Errors', probe: { type: 'prometheus', query: 'up', below: 1 }, action: 'rollback', watchFor: '24h' }],
    });
    const target = { cluster: 'c', namespace: 'shop', deployment: 'api', container: 'api', image: 'reg/api:v2' };
    const run = createRun({ id: '2', service: 'api', environment: 'prod', version: 'v2', target, requestedBy: 'U0ALICE', channel: 'C0DEPLOY', checklist: watched }, T0);
    const started = transition(run, { type: 'start', actor: 'U0ALICE' }, T0);
    await store.create(started.run, started.audit);
    await store.update('2', (current) => transition(current, { type: 'step-succeeded', itemId: 'set-image', detail: 'patched' }, T0));
    // Committed, then the process died: neither the watch's end nor its guards' scheduler was asked for.
    const done = await store.update('2', (current) => transition(current, { type: 'tick', itemId: 'ok', actor: 'U0BOB', actorRoles: [] }, T0));
    expect(done.run).toMatchObject({ state: 'succeeded', watch: { startedAt: T0, until: T0 + 24 * HOUR } });
    const endJobId = `watch-end-${runRef(done.run)}`;
    expect(await queues.followups.getJob(endJobId)).toBeUndefined();

    await reconcileRuns(store, engine, createLogger('silent'), { redis, keyPrefix: prefix });
    const end = await queues.followups.getJob(endJobId);
    expect(end?.data).toEqual({ runId: '2' });
    expect(await end?.getState()).toBe('delayed');
    expect((await queues.guards.getJob(`guards-start-${runRef(done.run)}`))?.data).toEqual({ runId: '2' });

    await reconcileRuns(store, engine, createLogger('silent'), { redis, keyPrefix: prefix });
    expect(await queues.followups.getDelayedCount()).toBe(1);
  });

  it('asks again for the hold of a run held after an irreversible Job, never for its rollback', async () => {
    const target = { cluster: 'c', namespace: 'shop', deployment: 'api', container: 'api', image: 'reg/api:v2' };
    const migrating = checklistSchema.parse({
      name: 'migrating',
      phases: [
        { id: 'db', title: 'DB', items: [{ id: 'drop', kind: 'step', action: 'job', command: ['drop'], irreversible: true }, { id: 'set', kind: 'step', action: 'set-image' }] },
        { id: 'go', title: 'Go', items: [{ id: 'ok', kind: 'manual', title: 'Looks good' }] },
      ],
    });
    const run = createRun({ id: '2', service: 'api', environment: 'prod', version: 'v2', target, requestedBy: 'U0ALICE', channel: 'C0DEPLOY', checklist: migrating }, T0);
    const started = transition(run, { type: 'start', actor: 'U0ALICE' }, T0);
    await store.create(started.run, started.audit);
    for (const itemId of ['drop', 'set']) await store.update('2', (current) => transition(current, { type: 'step-succeeded', itemId, detail: 'ok' }, T0));
    // Committed, then the process died: neither the hold nor the summary was enqueued.
    const held = await store.update('2', (current) => transition(current, { type: 'abort', actor: 'U0BOB' }, T0));
    expect(held.run.state).toBe('failed');
    expect(held.effects.map((effect) => effect.type)).toContain('hold');

    await reconcileRuns(store, engine, createLogger('silent'), { redis, keyPrefix: prefix });
    expect((await queues.rollback.getJob(`hold-${runRef(held.run)}`))?.data).toEqual({ runId: '2' });
    expect(await queues.rollback.getJob(`rollback-request-${runRef(held.run)}`)).toBeUndefined();
    expect(await queues.notify.getJob(`summary-${runRef(held.run)}`)).toBeDefined();
  });
});
